//! The market: supply and borrow rates move, interest accrues.

use super::*;

impl Sim<'_> {
    pub(super) fn move_rates(&mut self) {
        let shock = self.rng.range(-0.0008, 0.0008);
        let reversion = 0.01 * (0.05 - self.supply_apr);
        self.supply_apr = (self.supply_apr + shock + reversion).clamp(0.02, 0.09);
    }

    pub(super) fn accrue(&mut self) {
        let supply = usdt(self.supplied * self.supply_apr / HOURS_PER_YEAR);
        let borrow = usdt(self.debt * self.borrow_apr() / HOURS_PER_YEAR);
        self.supplied = usdt(self.supplied + supply);
        self.debt = usdt(self.debt + borrow);
        self.supply_interest += supply;
        self.borrow_interest += borrow;
    }
}
