//! `custom_channel_vars`: the KAZOO-specific values set on a call's channel.

use serde::de::MapAccess;
use serde::{Serialize, Serializer};

use super::cost::{Rating, Units};
use super::ids::InteractionId;
use super::resource_type::ResourceType;
use crate::json::node::{Node, Record, Written};
use crate::json::record::record;
use crate::json::{ErrorSlot, Key, ReadObject, object_traits};

record! {
    /// The custom channel variables of a call leg: the keys KAZOO documents and rates with, typed,
    /// and every other key kept as JSON in [`extra`](Self::extra).
    ///
    /// Read and written as [`Cdr`](super::Cdr) reads and writes its fields: integers from
    /// numbers or numeric strings, booleans from `true`/`"true"`, strings from strings or
    /// numbers, each written back in the JSON form it arrived in while it holds the value read
    /// (a value set from Rust is written natively). A known key holding `null` is kept (in
    /// `extra`).
    ///
    /// ```
    /// use kazoo_records::cdr::{CustomChannelVars, Units};
    ///
    /// let mut vars: CustomChannelVars = serde_json::from_str(r#"{"rate": "2262", "x": [1]}"#)?;
    /// assert_eq!(vars.rate, Some(Units(2262)));
    /// assert_eq!(serde_json::to_string(&vars)?, r#"{"rate":"2262","x":[1]}"#);
    /// vars.rate = Some(Units(100));
    /// assert_eq!(serde_json::to_string(&vars)?, r#"{"rate":100,"x":[1]}"#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    #[derive(Debug, Clone)]
    #[non_exhaustive]
    pub struct CustomChannelVars {
        /// How the account is billed for the call: `per_minute`, `flat_rate`, … (`account_billing`).
        "account_billing" => pub account_billing: String,
        /// The account the call belongs to (`account_id`).
        "account_id" => pub account_id: String,
        /// The application that handled the call: `callflow`, … (`application_name`).
        "application_name" => pub application_name: String,
        /// The node of that application (`application_node`).
        "application_node" => pub application_node: String,
        /// The device or resource that authorised the call (`authorizing_id`).
        "authorizing_id" => pub authorizing_id: String,
        /// What `authorizing_id` is: `device`, `resource`, … (`authorizing_type`).
        "authorizing_type" => pub authorizing_type: String,
        /// Price of connecting the call (`base_cost`).
        "base_cost" => pub base_cost: Units,
        /// Seconds already billed elsewhere (`billing_seconds_offset`).
        "billing_seconds_offset" => pub billing_seconds_offset: i64,
        /// The call id shared by the bridged legs (`bridge_id`).
        "bridge_id" => pub bridge_id: String,
        /// The interaction this leg belongs to (`call_interaction_id`).
        "call_interaction_id" => pub call_interaction_id: InteractionId,
        /// The callflow that handled the call (`callflow_id`).
        "callflow_id" => pub callflow_id: String,
        /// Whether the channel was authorised (`channel_authorized`).
        "channel_authorized" => pub channel_authorized: bool,
        /// Percentage taken off the cost (`discount_percentage`).
        "discount_percentage" => pub discount_percentage: i64,
        /// The ecallmgr node that handled the channel (`ecallmgr_node`).
        "ecallmgr_node" => pub ecallmgr_node: String,
        /// The id of the route request that created the channel (`fetch_id`).
        "fetch_id" => pub fetch_id: String,
        /// Whether the resource is a global (system-wide) one (`global_resource`).
        "global_resource" => pub global_resource: bool,
        /// Where the call entered the platform (`inception`).
        "inception" => pub inception: String,
        /// The user who owns the device (`owner_id`).
        "owner_id" => pub owner_id: String,
        /// Price per minute (`rate`).
        "rate" => pub rate: Units,
        /// The description of the rate used (`rate_description`).
        "rate_description" => pub rate_description: String,
        /// Charging step in seconds after the minimum (`rate_increment`).
        "rate_increment" => pub rate_increment: i64,
        /// Seconds always charged (`rate_minimum`).
        "rate_minimum" => pub rate_minimum: i64,
        /// The name of the rate used (`rate_name`).
        "rate_name" => pub rate_name: String,
        /// Calls this long or shorter are free (`rate_nocharge_time`).
        "rate_nocharge_time" => pub rate_nocharge_time: i64,
        /// The SIP realm of the account (`realm`).
        "realm" => pub realm: String,
        /// How the reseller is billed for the call (`reseller_billing`).
        "reseller_billing" => pub reseller_billing: String,
        /// The reseller of the account (`reseller_id`).
        "reseller_id" => pub reseller_id: String,
        /// The carrier resource used (`resource_id`).
        "resource_id" => pub resource_id: String,
        /// Which kind of resource carried the call (`resource_type`).
        "resource_type" => pub resource_type: ResourceType,
        /// Added once to the cost of a charged call (`surcharge`).
        "surcharge" => pub surcharge: Units,
        /// The SIP username of the device (`username`).
        "username" => pub username: String,
    }
}

impl Default for CustomChannelVars {
    fn default() -> Self {
        CustomChannelVars::blank()
    }
}

impl CustomChannelVars {
    /// No variables.
    pub fn new() -> Self {
        CustomChannelVars::default()
    }

    /// The rating inputs of KAZOO's cost formula; absent values take KAZOO's defaults, those
    /// of [`Rating::default`] (rate 0, minimum 0, increment 60, no surcharge, free time,
    /// discount or offset).
    pub fn rating(&self) -> Rating {
        let defaults = Rating::default();
        Rating {
            rate: self.rate.unwrap_or(defaults.rate),
            surcharge: self.surcharge.unwrap_or(defaults.surcharge),
            minimum: self.rate_minimum.unwrap_or(defaults.minimum),
            increment: self.rate_increment.unwrap_or(defaults.increment),
            nocharge_time: self.rate_nocharge_time.unwrap_or(defaults.nocharge_time),
            discount_percentage: self
                .discount_percentage
                .unwrap_or(defaults.discount_percentage),
            billing_seconds_offset: self
                .billing_seconds_offset
                .unwrap_or(defaults.billing_seconds_offset),
        }
    }

    /// Whether no key is set, typed or not.
    pub fn is_empty(&self) -> bool {
        self.extra.is_empty() && Self::KNOWN_KEYS.iter().all(|key| !self.known_is_set(key))
    }
}

impl ReadObject for CustomChannelVars {
    fn read_object<'de, A: MapAccess<'de>>(mut map: A, slot: &ErrorSlot) -> Result<Self, A::Error> {
        let mut vars = CustomChannelVars::blank();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if !vars.read_known(key.as_str(), &mut map, slot)? {
                let value: serde_json::Value = map.next_value()?;
                vars.extra.insert(key.into_owned(), value);
            }
        }
        Ok(vars)
    }
}

impl Serialize for CustomChannelVars {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        self.write_known(&mut map, &[])?;
        map.end()
    }
}

object_traits!(
    CustomChannelVars,
    CustomChannelVars::forget_forms,
    lenient_fails_only_on_non_objects
);

/// The JSON the variables write, looked at key by key without writing them.
impl Record for CustomChannelVars {
    fn node_at(&self, key: &str) -> Option<Node<'_>> {
        self.written_node(key)
    }

    fn written(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}

impl Written for CustomChannelVars {
    fn node(&self) -> Node<'_> {
        Node::Record(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_key() {
        let err = serde_json::from_str::<CustomChannelVars>(r#"{"rate": "abc"}"#).unwrap_err();
        assert!(
            err.to_string()
                .starts_with(r#"rate: "abc" is not an integer"#),
            "{err}"
        );
    }

    #[test]
    fn null_known_keys_are_kept() {
        let vars: CustomChannelVars = serde_json::from_str(r#"{"rate": null}"#).unwrap();
        assert_eq!(vars.rate, None);
        assert_eq!(serde_json::to_string(&vars).unwrap(), r#"{"rate":null}"#);
        assert!(!vars.is_empty());
        let vars: CustomChannelVars = serde_json::from_str(r#"{"rate": null, "rate": 5}"#).unwrap();
        assert_eq!(serde_json::to_string(&vars).unwrap(), r#"{"rate":5}"#);
    }

    #[test]
    fn empty() {
        assert!(CustomChannelVars::new().is_empty());
    }
}
