//! The registry: every error code, declared once, in the one `error_codes!`
//! invocation below.
//!
//! Each entry becomes a constant of this module (`codes::EXEC_001`), and
//! [`ALL`] lists them for [`ErrorCode::parse`](crate::ErrorCode::parse) and the
//! generated `docs/ERROR_CODES.md` and `schemas/error_codes.json`. The macro
//! refuses, at compile time and with the caret on the offending token: a code
//! not of the form `PREFIX-NNN`, a prefix that is not the component's, a
//! duplicated code or constant, a constant that does not spell its code, an
//! unknown severity, a missing or empty text, and a `retired_by` that names no
//! code or a retired one.
//!
//! ```text
//! EXEC_001 = "EXEC-001" {
//!     component: ExecutionManager,        // a variant of `Component`
//!     severity: HIGH,                     // CRITICAL, HIGH, MEDIUM or LOW
//!     message: "Order execution failed",  // one line
//!     description: "…",                   // what happened
//!     action: "…",                        // what the operator does
//!     retired_by: "EXEC-010",             // only for a retired code
//! }
//! ```
//!
//! **Do not remove or renumber entries.** Old logs carry every code ever
//! issued; a code that is no longer used is retired (`retired_by`), which keeps
//! it parsing while its constant warns in new code.
//!
//! # How this table was built
//!
//! By the rule in the project's reference `ERROR_CODES.md`, from the logging
//! guide and the original system's registries A (its latest list, 63 codes)
//! and B (an earlier one, with severities):
//!
//! - The guide's four examples keep their number, message and severity:
//!   EXEC-001 HIGH "Order execution failed", EXEC-005 CRITICAL "Reconciliation
//!   timeout", POS-005 CRITICAL "Position reconciliation mismatch", RISK-001
//!   HIGH "Risk limit breached".
//! - Every code of registry A is here, its description as the message. Where
//!   the guide took its number, it moved to the next free number of its
//!   prefix: A's POS-005 "Position query timeout" is **POS-006**, A's
//!   EXEC-005 "Atomic group execution failed" is **EXEC-009**, A's RISK-001
//!   "Health factor calculation failed" is **RISK-007**. A's EXEC-001 already
//!   meant the guide's EXEC-001.
//! - A's POS-001 and RISK-004 mean the guide's POS-005 and RISK-001: they are
//!   **retired** codes pointing there, with the replacement's severity.
//! - Severity is registry B's where the meaning matches (B's numbers differ:
//!   it is matched by meaning). B's VenueManager (`VM-`) became the
//!   ExecutionManager and its VenueInterfaceManager (`VIM-`) our VEN; its
//!   ReconciliationComponent (`REC-`) is the tight loop's reconciliation. So
//!   EXEC-002 takes VM-002's CRITICAL (the outcome of a timed-out instruction
//!   is unknown), EXEC-006 REC-003's CRITICAL, EXEC-003 and PUH-001 REC-001's
//!   HIGH, VEN-001 VIM-001's HIGH, LOG-001 EVENT-001's MEDIUM, CONFIG-001,
//!   CONFIG-003, CONFIG-004 and EXP-004 CONFIG-001's CRITICAL, CONFIG-002 its
//!   own HIGH, initialization failures the CRITICAL of B's POS-003 and LTS-001,
//!   and calculation failures the HIGH of B's EXP-001, RISK-001, PNL-001,
//!   STRAT-001 and DATA-001. Where the guide's own code differs from B (B's
//!   "Risk limit exceeded" is CRITICAL, the guide's RISK-001 HIGH), the guide
//!   wins.
//! - Otherwise the severity follows the guide's meanings: CRITICAL when the
//!   engine cannot go on safely (halt, alert, restart after fixing: margin
//!   call, liquidation, bad credentials, a missing venue interface, no log
//!   directory), HIGH when a step failed and a retry may succeed, MEDIUM when
//!   the engine goes on degraded (rate limiting, data gaps, a missing
//!   attribution), LOW when nothing needs doing (a failed log rotation, which
//!   is retried by itself). Each action says which, in its first sentence.
//! - The codes the original used without registering, in `PREFIX-NNN` form
//!   under their components: PUH-001..003 for the PositionUpdateHandler (the
//!   contexts it raised them in: reconciliation, timeout, orchestration),
//!   RST-001..003 for the results store (titles and severities from its design
//!   document), HEALTH-001 and HEALTH-003 for the HealthMonitor (HEALTH-001 and
//!   HEALTH-002 from registry B, HEALTH-003 from the design document's
//!   "Component Unhealthy", CRITICAL).
//! - CEX-001..006 and AAVE-001 are **not** carried over. They name no
//!   component of ours: they came from implementation classes (the CEX
//!   execution interface behind the VenueInterfaceManager, the AAVE rate model
//!   behind the UtilityManager), were never registered, and the reference gives
//!   them no meaning to keep. Since a prefix is a component, `CEX-001` could
//!   not pass the prefix rule anyway. Their failures are reported as VEN-001..006
//!   and UTIL-003. The dynamic codes such as `EXP_ERROR_0001` are gone: every
//!   code is a constant.
//! - The Api component has no codes yet.

crate::__registry_error_codes! {
    // === PositionMonitor (POS) ===

    POS_001 = "POS-001" {
        component: PositionMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "The original system's number for a mismatch between simulated and real \
            positions. The guide numbers it POS-005; old logs still carry POS-001.",
        action: "Read it as POS-005: execution halts; reconcile positions by hand before \
            restarting.",
        retired_by: "POS-005",
    }
    POS_002 = "POS-002" {
        component: PositionMonitor,
        severity: HIGH,
        message: "Invalid position delta",
        description: "An execution delta could not be applied: its position key, token or \
            amount does not fit the tracked positions.",
        action: "Retried with backoff. If it persists, verify position data integrity and the \
            venue's execution responses against the expected deltas.",
    }
    POS_003 = "POS-003" {
        component: PositionMonitor,
        severity: HIGH,
        message: "Position state unavailable",
        description: "The current positions could not be read, so no snapshot was published.",
        action: "Retried with backoff. If it persists, check venue connections and data \
            availability.",
    }
    POS_004 = "POS-004" {
        component: PositionMonitor,
        severity: HIGH,
        message: "Position update failed",
        description: "Positions could not be updated after an execution or a periodic refresh.",
        action: "Retried with backoff. If it persists, check venue connections and the \
            execution deltas being applied.",
    }
    POS_005 = "POS-005" {
        component: PositionMonitor,
        severity: CRITICAL,
        message: "Position reconciliation mismatch",
        description: "Simulated and real positions differ beyond tolerance after \
            reconciliation: the engine no longer knows what it holds.",
        action: "Execution halts and the health system restarts the engine. Before it trades \
            again, compare simulated and real positions in the reconciliation events and \
            correct them at the venue or in the state.",
    }
    POS_006 = "POS-006" {
        component: PositionMonitor,
        severity: HIGH,
        message: "Position query timeout",
        description: "A venue did not answer a position query in time. Numbered POS-005 in \
            the original system's registry.",
        action: "Retried with backoff. If it persists, check the venue's status and network \
            latency.",
    }

    // === ExposureMonitor (EXP) ===

    EXP_001 = "EXP-001" {
        component: ExposureMonitor,
        severity: HIGH,
        message: "Exposure calculation failed",
        description: "Failed to calculate exposure metrics from positions and market data.",
        action: "Retried with backoff. If it persists, check market data and position data \
            availability.",
    }
    EXP_002 = "EXP-002" {
        component: ExposureMonitor,
        severity: HIGH,
        message: "Missing market data for exposure",
        description: "An asset held has no price in the market data, so its exposure cannot \
            be valued.",
        action: "Retried with backoff as new market data arrives. If it persists, check the \
            data provider's feed for that asset.",
    }
    EXP_003 = "EXP-003" {
        component: ExposureMonitor,
        severity: HIGH,
        message: "Position data unavailable",
        description: "The exposure monitor received no usable position snapshot to work from.",
        action: "Retried with backoff. If it persists, look for the failure upstream in the \
            PositionMonitor's log.",
    }
    EXP_004 = "EXP-004" {
        component: ExposureMonitor,
        severity: CRITICAL,
        message: "Invalid exposure configuration",
        description: "The exposure settings of the mode configuration are inconsistent, such \
            as an asset without a share class to value it in.",
        action: "Execution halts. Fix the exposure section of the mode configuration, then \
            restart.",
    }
    EXP_005 = "EXP-005" {
        component: ExposureMonitor,
        severity: HIGH,
        message: "Asset conversion failed",
        description: "An asset amount could not be converted into the share class (USD or \
            ETH), so the exposure is incomplete.",
        action: "Retried with backoff. If it persists, check the conversion prices and \
            indices the UtilityManager reports.",
    }

    // === RiskMonitor (RISK) ===

    RISK_001 = "RISK-001" {
        component: RiskMonitor,
        severity: HIGH,
        message: "Risk limit breached",
        description: "A risk metric (health factor, LTV or margin usage) crossed its \
            configured limit.",
        action: "The strategy is asked to de-risk and the check is retried. If the breach \
            persists, reduce exposure or close positions, and review the limits.",
    }
    RISK_002 = "RISK-002" {
        component: RiskMonitor,
        severity: HIGH,
        message: "LTV ratio exceeds threshold",
        description: "The loan-to-value ratio of a lending position is above the configured \
            maximum.",
        action: "The strategy repays or adds collateral and the check is retried. If it \
            persists, reduce the borrow by hand before the liquidation threshold is reached.",
    }
    RISK_003 = "RISK-003" {
        component: RiskMonitor,
        severity: CRITICAL,
        message: "Margin call triggered",
        description: "A venue issued a margin call: collateral no longer covers the \
            position's maintenance margin.",
        action: "Execution halts and an alert goes out at once. Add margin or reduce the \
            position at the venue, then restart.",
    }
    RISK_004 = "RISK-004" {
        component: RiskMonitor,
        severity: HIGH,
        message: "Risk limit breach detected",
        description: "The original system's number for a breached risk limit. The guide \
            numbers it RISK-001; old logs still carry RISK-004.",
        action: "Read it as RISK-001: reduce exposure or close positions, and review the \
            limits.",
        retired_by: "RISK-001",
    }
    RISK_005 = "RISK-005" {
        component: RiskMonitor,
        severity: CRITICAL,
        message: "Liquidation threshold exceeded",
        description: "A position is past its liquidation threshold: the venue or protocol \
            may liquidate it.",
        action: "Execution halts and an alert goes out at once. Repay, add collateral or \
            close the position immediately, then restart.",
    }
    RISK_006 = "RISK-006" {
        component: RiskMonitor,
        severity: HIGH,
        message: "Risk assessment failed",
        description: "Failed to calculate risk metrics from exposures and market data.",
        action: "Retried with backoff. If it persists, check market data and exposure data \
            availability.",
    }
    RISK_007 = "RISK-007" {
        component: RiskMonitor,
        severity: HIGH,
        message: "Health factor calculation failed",
        description: "The health factor of a lending position could not be computed. \
            Numbered RISK-001 in the original system's registry.",
        action: "Retried with backoff. If it persists, check the protocol's reserve data and \
            the position's collateral and debt.",
    }

    // === PnLMonitor (PNL) ===

    PNL_001 = "PNL-001" {
        component: PnLMonitor,
        severity: HIGH,
        message: "PnL calculation failed",
        description: "Failed to calculate P&L metrics.",
        action: "Retried with backoff. If it persists, check exposure data and market data \
            availability.",
    }
    PNL_002 = "PNL-002" {
        component: PnLMonitor,
        severity: HIGH,
        message: "Missing price data",
        description: "A price needed to value P&L is missing.",
        action: "Retried with backoff as new prices arrive. If it persists, check the data \
            provider's price feed.",
    }
    PNL_003 = "PNL-003" {
        component: PnLMonitor,
        severity: MEDIUM,
        message: "Historical data unavailable",
        description: "Historical data for P&L over past periods is missing; the current P&L \
            is still computed.",
        action: "Nothing stops; P&L over past periods is incomplete. Check the historical \
            data source when convenient.",
    }
    PNL_004 = "PNL-004" {
        component: PnLMonitor,
        severity: MEDIUM,
        message: "Attribution calculation failed",
        description: "P&L could not be broken down by source (yield, funding, price, fees); \
            the total is still computed.",
        action: "Nothing stops; this period's attribution is missing. Review the calculation \
            methods and data sources.",
    }
    PNL_005 = "PNL-005" {
        component: PnLMonitor,
        severity: HIGH,
        message: "Settlement calculation failed",
        description: "A settlement (funding payment, reward or interest accrual) could not be \
            computed, so balances may lag.",
        action: "Retried with backoff. If it persists, check the rates and indices behind \
            the settlement.",
    }

    // === StrategyManager (STRAT) ===

    STRAT_001 = "STRAT-001" {
        component: StrategyManager,
        severity: HIGH,
        message: "Strategy decision failed",
        description: "The strategy logic that decides the next action failed.",
        action: "Retried with backoff. If it persists, check the strategy configuration and \
            market conditions.",
    }
    STRAT_002 = "STRAT-002" {
        component: StrategyManager,
        severity: HIGH,
        message: "Expected deltas calculation failed",
        description: "The position changes an order should cause could not be computed, so \
            its execution cannot be reconciled.",
        action: "Retried with backoff. If it persists, check the order's venue and tokens and \
            the conversion data.",
    }
    STRAT_003 = "STRAT-003" {
        component: StrategyManager,
        severity: HIGH,
        message: "Invalid order generated",
        description: "The strategy produced an order that fails validation (amount, token or \
            venue); it was not sent.",
        action: "Retried at the next decision. If it repeats, review the strategy parameters \
            that produced the order.",
    }
    STRAT_004 = "STRAT-004" {
        component: StrategyManager,
        severity: CRITICAL,
        message: "Strategy initialization failed",
        description: "The strategy could not start: its mode, parameters or dependencies are \
            missing or invalid.",
        action: "The engine does not start. Fix the strategy configuration, then restart.",
    }
    STRAT_005 = "STRAT-005" {
        component: StrategyManager,
        severity: HIGH,
        message: "Target position calculation failed",
        description: "The target positions for the current state could not be computed.",
        action: "Retried with backoff. If it persists, check the exposure and risk inputs of \
            the strategy.",
    }
    STRAT_006 = "STRAT-006" {
        component: StrategyManager,
        severity: MEDIUM,
        message: "Market data unavailable for strategy",
        description: "The strategy has no fresh market data, so it holds and skips this \
            decision.",
        action: "Nothing stops; the strategy holds until data returns. If it lasts, check \
            the data provider.",
    }

    // === ExecutionManager (EXEC) ===

    EXEC_001 = "EXEC-001" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Order execution failed",
        description: "A venue rejected or failed an order.",
        action: "Retried with backoff, at most 3 times. If it persists, check venue \
            connections and the order's parameters.",
    }
    EXEC_002 = "EXEC-002" {
        component: ExecutionManager,
        severity: CRITICAL,
        message: "Execution timeout",
        description: "A venue did not confirm an instruction in time; whether it executed is \
            unknown.",
        action: "Execution halts. Check the order's status at the venue, and retry only if it \
            did not execute.",
    }
    EXEC_003 = "EXEC-003" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Tight loop reconciliation failed",
        description: "After an execution, positions could not be reconciled with the \
            expected deltas in the tight loop.",
        action: "Retried with backoff. If it persists, check position data and the \
            reconciliation logic.",
    }
    EXEC_004 = "EXEC-004" {
        component: ExecutionManager,
        severity: CRITICAL,
        message: "System failure triggered",
        description: "The ExecutionManager raised a system failure: it cannot go on safely.",
        action: "Execution halts and the health system restarts the engine. Find the cause \
            in the errors before this one.",
    }
    EXEC_005 = "EXEC-005" {
        component: ExecutionManager,
        severity: CRITICAL,
        message: "Reconciliation timeout",
        description: "Reconciliation did not complete in time after an execution, so \
            positions are unconfirmed.",
        action: "Execution halts and the health system restarts the engine. Reconcile \
            positions with the venues before trading resumes.",
    }
    EXEC_006 = "EXEC-006" {
        component: ExecutionManager,
        severity: CRITICAL,
        message: "Retry limit exceeded",
        description: "An operation failed on every allowed retry.",
        action: "Execution halts; act at once. Check system health and the error of each \
            attempt before restarting.",
    }
    EXEC_007 = "EXEC-007" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Invalid order parameters",
        description: "An order's parameters (amount, side, token or venue) are invalid for \
            the venue; it was not sent.",
        action: "The order is refused and the strategy decides again. If it repeats, check \
            the instruction type against the venue's capabilities and fix the order's source.",
    }
    EXEC_008 = "EXEC-008" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Execution handshake validation failed",
        description: "A venue's execution report (the handshake) failed validation: fields \
            are missing, or its deltas do not match the order.",
        action: "Retried with backoff. If it persists, compare the venue's raw response with \
            the order and check the venue interface.",
    }
    EXEC_009 = "EXEC-009" {
        component: ExecutionManager,
        severity: HIGH,
        message: "Atomic group execution failed",
        description: "An operation of an atomic group failed, so the whole group was rolled \
            back. Numbered EXEC-005 in the original system's registry.",
        action: "Retried with backoff as a group. If it persists, find the failing operation \
            in the atomic group events.",
    }

    // === VenueInterfaceManager (VEN) ===

    VEN_001 = "VEN-001" {
        component: VenueInterfaceManager,
        severity: HIGH,
        message: "Venue routing failed",
        description: "An instruction could not be routed to a venue interface.",
        action: "Retried with backoff. If it persists, check venue availability and the \
            routing configuration.",
    }
    VEN_002 = "VEN-002" {
        component: VenueInterfaceManager,
        severity: HIGH,
        message: "Venue timeout",
        description: "A venue did not answer a request in time.",
        action: "Retried with backoff. If it persists, check the venue's status and network \
            latency.",
    }
    VEN_003 = "VEN-003" {
        component: VenueInterfaceManager,
        severity: HIGH,
        message: "Venue unavailable",
        description: "A venue is down or unreachable.",
        action: "Retried with backoff. If it persists, check the venue's status and network \
            connectivity, and consider pausing the strategy.",
    }
    VEN_004 = "VEN-004" {
        component: VenueInterfaceManager,
        severity: CRITICAL,
        message: "Venue interface not found",
        description: "No interface is registered for a venue the strategy uses: the engine \
            is misconfigured.",
        action: "Execution halts. Add the venue's interface to the mode configuration, then \
            restart.",
    }
    VEN_005 = "VEN-005" {
        component: VenueInterfaceManager,
        severity: CRITICAL,
        message: "Venue authentication failed",
        description: "A venue refused the engine's credentials.",
        action: "Execution halts. Check or rotate the venue's credentials, then restart.",
    }
    VEN_006 = "VEN-006" {
        component: VenueInterfaceManager,
        severity: MEDIUM,
        message: "Venue rate limit exceeded",
        description: "A venue is throttling the engine's requests.",
        action: "Nothing stops; requests back off and slow down. If it recurs, lower the \
            request rate or ask the venue for a higher limit.",
    }

    // === EventDrivenStrategyEngine (ENGINE) ===

    ENGINE_001 = "ENGINE-001" {
        component: EventDrivenStrategyEngine,
        severity: CRITICAL,
        message: "Engine initialization failed",
        description: "The engine could not start: configuration, data or venue connections \
            failed to load.",
        action: "The engine does not start. Check the configuration, venue credentials and \
            network connectivity, then restart.",
    }
    ENGINE_002 = "ENGINE-002" {
        component: EventDrivenStrategyEngine,
        severity: CRITICAL,
        message: "Component initialization failed",
        description: "A component failed to initialize, so the engine cannot run.",
        action: "The engine does not start. Check the component's configuration and \
            credentials in its log, then restart.",
    }
    ENGINE_003 = "ENGINE-003" {
        component: EventDrivenStrategyEngine,
        severity: CRITICAL,
        message: "Engine state inconsistency",
        description: "The engine's state contradicts itself (positions, orders or clock), so \
            no decision can be trusted.",
        action: "Execution halts and the health system restarts the engine. Keep the run's \
            logs to find the cause.",
    }
    ENGINE_004 = "ENGINE-004" {
        component: EventDrivenStrategyEngine,
        severity: CRITICAL,
        message: "Critical system error",
        description: "An unexpected error the engine cannot recover from.",
        action: "Execution halts and the health system restarts the engine. Read the stack \
            trace before it trades again.",
    }

    // === PositionUpdateHandler (PUH) ===

    PUH_001 = "PUH-001" {
        component: PositionUpdateHandler,
        severity: HIGH,
        message: "Reconciliation failed",
        description: "Simulated and real positions could not be reconciled after a position \
            update.",
        action: "Retried with backoff. If it persists, check position data and the \
            reconciliation logic.",
    }
    PUH_002 = "PUH-002" {
        component: PositionUpdateHandler,
        severity: HIGH,
        message: "Position update timeout",
        description: "A tight-loop position update did not finish in time.",
        action: "Retried with backoff. If it persists, check the venues' latency and the \
            handler's load.",
    }
    PUH_003 = "PUH-003" {
        component: PositionUpdateHandler,
        severity: HIGH,
        message: "Component chain orchestration failed",
        description: "The chain that follows a position update (exposure, then risk, then \
            P&L) failed.",
        action: "Retried with backoff. If it persists, find the failing step in the \
            ExposureMonitor, RiskMonitor or PnLMonitor log.",
    }

    // === HealthMonitor (HEALTH) ===

    HEALTH_001 = "HEALTH-001" {
        component: HealthMonitor,
        severity: CRITICAL,
        message: "System health check failed",
        description: "A critical system health check failed.",
        action: "The health system restarts the engine at once; find the failing check in \
            the health status events.",
    }
    HEALTH_002 = "HEALTH-002" {
        component: HealthMonitor,
        severity: HIGH,
        message: "Component health degraded",
        description: "A component's health status is degraded.",
        action: "The check is repeated. Monitor the component and restart it if it does not \
            recover.",
    }
    HEALTH_003 = "HEALTH-003" {
        component: HealthMonitor,
        severity: CRITICAL,
        message: "Component unhealthy",
        description: "A component is unhealthy: its checks fail or it stopped reporting.",
        action: "Execution halts and the health system restarts the component. Check its log \
            for the failure before it restarts again.",
    }

    // === EventLogger (LOG) ===

    LOG_001 = "LOG-001" {
        component: EventLogger,
        severity: MEDIUM,
        message: "Failed to write event file",
        description: "An event could not be written to its file under `events/`.",
        action: "Nothing stops, but the audit trail has a gap. Check the log storage's \
            availability and permissions.",
    }
    LOG_002 = "LOG-002" {
        component: EventLogger,
        severity: MEDIUM,
        message: "Event buffer overflow",
        description: "Events arrived faster than the buffer could be flushed.",
        action: "Nothing stops; events are delayed or dropped. Check disk throughput, and \
            raise the buffer size if it recurs.",
    }
    LOG_003 = "LOG-003" {
        component: EventLogger,
        severity: CRITICAL,
        message: "Log directory creation failed",
        description: "The run's log directory could not be created, so nothing of the run \
            can be recorded.",
        action: "The run does not start. Check the permissions and free space of the log \
            base directory, then restart.",
    }
    LOG_004 = "LOG-004" {
        component: EventLogger,
        severity: MEDIUM,
        message: "Event serialization failed",
        description: "An event could not be serialized to JSON and was not written.",
        action: "Nothing stops; the event is missing from the audit trail. Report the event \
            type and its fields as a bug.",
    }
    LOG_005 = "LOG-005" {
        component: EventLogger,
        severity: LOW,
        message: "Log file rotation failed",
        description: "A log file could not be rotated; writing goes on in the current file.",
        action: "No action needed now: rotation is tried again at the next threshold. If it \
            keeps failing, check free disk space and permissions.",
    }

    // === DataProvider (DATA) ===

    DATA_001 = "DATA-001" {
        component: DataProvider,
        severity: HIGH,
        message: "Data fetch failed",
        description: "Required data could not be loaded from its source.",
        action: "Retried with backoff. If it persists, check the data sources and network \
            connectivity.",
    }
    DATA_002 = "DATA-002" {
        component: DataProvider,
        severity: MEDIUM,
        message: "Data validation failed",
        description: "Loaded data failed validation checks and was not used.",
        action: "Nothing stops; the bad data is skipped. Review the data quality and the \
            validation rules.",
    }
    DATA_003 = "DATA-003" {
        component: DataProvider,
        severity: HIGH,
        message: "Data source unavailable",
        description: "A data source is down or unreachable.",
        action: "Retried with backoff. If it persists, check the source's status and \
            credentials.",
    }
    DATA_004 = "DATA-004" {
        component: DataProvider,
        severity: MEDIUM,
        message: "Historical data gap detected",
        description: "Historical data has a gap; values inside it are carried forward.",
        action: "Nothing stops; results over the gap are approximate. Backfill the data and \
            rerun the backtest if the gap matters.",
    }
    DATA_005 = "DATA-005" {
        component: DataProvider,
        severity: HIGH,
        message: "Price data missing",
        description: "A price the engine needs is absent from the data.",
        action: "Retried with backoff. If it persists, check the price feed for that asset \
            and time.",
    }

    // === UtilityManager (UTIL) ===

    UTIL_001 = "UTIL-001" {
        component: UtilityManager,
        severity: HIGH,
        message: "Price conversion failed",
        description: "An amount could not be converted between tokens or into USD.",
        action: "Retried with backoff. If it persists, check the prices the DataProvider \
            supplies for both tokens.",
    }
    UTIL_002 = "UTIL-002" {
        component: UtilityManager,
        severity: HIGH,
        message: "Index fetch failed",
        description: "A liquidity or staking index, such as an aToken's, could not be read.",
        action: "Retried with backoff. If it persists, check the protocol's data source.",
    }
    UTIL_003 = "UTIL-003" {
        component: UtilityManager,
        severity: HIGH,
        message: "Rate calculation failed",
        description: "A supply, borrow, staking or funding rate could not be computed.",
        action: "Retried with backoff. If it persists, check the rate model and the reserve \
            data of the asset.",
    }
    UTIL_004 = "UTIL-004" {
        component: UtilityManager,
        severity: HIGH,
        message: "Token metadata unavailable",
        description: "A token's metadata (decimals, address or symbol) is missing.",
        action: "Retried with backoff. If it persists, add the token to the configuration's \
            token list.",
    }

    // === Config (CONFIG) ===

    CONFIG_001 = "CONFIG-001" {
        component: Config,
        severity: CRITICAL,
        message: "Invalid mode configuration",
        description: "The mode configuration failed validation: the strategy cannot run as \
            configured.",
        action: "The engine does not start. Review and fix the mode configuration, then \
            restart.",
    }
    CONFIG_002 = "CONFIG-002" {
        component: Config,
        severity: HIGH,
        message: "Missing required configuration",
        description: "A required configuration parameter is missing.",
        action: "The load is retried. Add the missing configuration parameter, then reload \
            or restart.",
    }
    CONFIG_003 = "CONFIG-003" {
        component: Config,
        severity: CRITICAL,
        message: "Configuration validation failed",
        description: "The configuration failed validation checks.",
        action: "The engine does not start. Review and fix the configuration parameters, \
            then restart.",
    }
    CONFIG_004 = "CONFIG-004" {
        component: Config,
        severity: CRITICAL,
        message: "Venue configuration invalid",
        description: "A venue's configuration (endpoints, instruments or limits) is invalid.",
        action: "The engine does not start. Fix the venue section of the configuration, \
            then restart.",
    }

    // === ResultsStore (RST) ===

    RST_001 = "RST-001" {
        component: ResultsStore,
        severity: HIGH,
        message: "Storage failed",
        description: "Results could not be written to storage.",
        action: "Retried with backoff. If it persists, check the results directory's free \
            space and permissions.",
    }
    RST_002 = "RST-002" {
        component: ResultsStore,
        severity: MEDIUM,
        message: "Queue full",
        description: "The results store's write queue is full; writes are delayed.",
        action: "Nothing stops; results are written late. If it recurs, check the storage's \
            throughput.",
    }
    RST_003 = "RST-003" {
        component: ResultsStore,
        severity: HIGH,
        message: "Write timeout",
        description: "A results write did not finish in time.",
        action: "Retried with backoff. If it persists, check the storage's latency.",
    }
}
