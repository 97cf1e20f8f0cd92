// The author's own serde attributes keep working under #[domain_event].
use basis_events::prelude::*;

mod as_text {
    pub fn serialize<S: basis_events::__private::serde::Serializer>(
        value: &u64,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_string())
    }

    pub fn deserialize<'de, D: basis_events::__private::serde::Deserializer<'de>>(
        deserializer: D,
    ) -> Result<u64, D::Error> {
        let text: String = basis_events::__private::serde::Deserialize::deserialize(deserializer)?;
        text.parse().map_err(basis_events::__private::serde::de::Error::custom)
    }
}

#[domain_event(file = "orders.jsonl", logged_by = StrategyManager)]
#[serde(rename_all = "camelCase")]
pub struct OrderPlaced {
    pub order_value_usd: f64,
    #[serde(rename = "venue_name")]
    pub venue: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    // schemars reads a serde `with` path as the type to describe, so a custom
    // format names its JSON type for the schema.
    #[serde(with = "as_text")]
    #[schemars(with = "String")]
    pub nonce: u64,
}

fn main() {
    let record = OrderPlaced {
        order_value_usd: 10.0,
        venue: "aave_v3".into(),
        note: None,
        nonce: 7,
    }
    .stamp(Envelope::example());
    let line = serde_json::to_string(&record).unwrap();
    assert!(line.ends_with(r#""orderValueUsd":10.0,"venue_name":"aave_v3","nonce":"7"}"#), "{line}");
    let back: EventRecord<OrderPlaced> = serde_json::from_str(&line).unwrap();
    assert_eq!(back, record);
}
