//! `custom_channel_vars`: the KAZOO-specific values set on a call's channel.

use serde::de::MapAccess;
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use super::cost::{Rating, Units};
use super::ids::InteractionId;
use super::lenient::{ErrorSlot, ReadObject, known_keys, object_traits, read_record};
use super::resource_type::ResourceType;

/// The custom channel variables of a call leg: the keys KAZOO documents and rates with, typed,
/// and every other key kept as JSON in [`extra`](Self::extra).
///
/// Integers and booleans are read from numbers or numeric strings and `true`/`"true"`, and
/// written back as JSON numbers and booleans. A known key holding `null` is kept (in `extra`).
///
/// ```
/// use kazoo_records::cdr::{CustomChannelVars, Units};
///
/// let vars: CustomChannelVars = serde_json::from_str(r#"{"rate": "2262", "x": [1]}"#)?;
/// assert_eq!(vars.rate, Some(Units(2262)));
/// assert_eq!(serde_json::to_string(&vars)?, r#"{"rate":2262,"x":[1]}"#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CustomChannelVars {
    /// The account the call belongs to (`account_id`).
    pub account_id: Option<String>,
    /// The device or resource that authorised the call (`authorizing_id`).
    pub authorizing_id: Option<String>,
    /// What `authorizing_id` is: `device`, `resource`, … (`authorizing_type`).
    pub authorizing_type: Option<String>,
    /// The user who owns the device (`owner_id`).
    pub owner_id: Option<String>,
    /// The call id shared by the bridged legs (`bridge_id`).
    pub bridge_id: Option<String>,
    /// The ecallmgr node that handled the channel (`ecallmgr_node`).
    pub ecallmgr_node: Option<String>,
    /// The id of the route request that created the channel (`fetch_id`).
    pub fetch_id: Option<String>,
    /// The SIP realm of the account (`realm`).
    pub realm: Option<String>,
    /// The SIP username of the device (`username`).
    pub username: Option<String>,
    /// The reseller of the account (`reseller_id`).
    pub reseller_id: Option<String>,
    /// How the account is billed for the call: `per_minute`, `flat_rate`, … (`account_billing`).
    pub account_billing: Option<String>,
    /// How the reseller is billed for the call (`reseller_billing`).
    pub reseller_billing: Option<String>,
    /// Price per minute (`rate`).
    pub rate: Option<Units>,
    /// Price of connecting the call (`base_cost`).
    pub base_cost: Option<Units>,
    /// The name of the rate used (`rate_name`).
    pub rate_name: Option<String>,
    /// The description of the rate used (`rate_description`).
    pub rate_description: Option<String>,
    /// Added once to the cost of a charged call (`surcharge`).
    pub surcharge: Option<Units>,
    /// Seconds always charged (`rate_minimum`).
    pub rate_minimum: Option<i64>,
    /// Charging step in seconds after the minimum (`rate_increment`).
    pub rate_increment: Option<i64>,
    /// Calls this long or shorter are free (`rate_nocharge_time`).
    pub rate_nocharge_time: Option<i64>,
    /// Percentage taken off the cost (`discount_percentage`).
    pub discount_percentage: Option<i64>,
    /// Seconds already billed elsewhere (`billing_seconds_offset`).
    pub billing_seconds_offset: Option<i64>,
    /// The carrier resource used (`resource_id`).
    pub resource_id: Option<String>,
    /// Which kind of resource carried the call (`resource_type`).
    pub resource_type: Option<ResourceType>,
    /// Whether the resource is a global (system-wide) one (`global_resource`).
    pub global_resource: Option<bool>,
    /// Whether the channel was authorised (`channel_authorized`).
    pub channel_authorized: Option<bool>,
    /// The interaction this leg belongs to (`call_interaction_id`).
    pub call_interaction_id: Option<InteractionId>,
    /// The application that handled the call: `callflow`, … (`application_name`).
    pub application_name: Option<String>,
    /// The node of that application (`application_node`).
    pub application_node: Option<String>,
    /// The callflow that handled the call (`callflow_id`).
    pub callflow_id: Option<String>,
    /// Where the call entered the platform (`inception`).
    pub inception: Option<String>,
    /// Every other key, as written.
    pub extra: Map<String, Value>,
}

known_keys!(CustomChannelVars {
    "account_billing" => account_billing,
    "account_id" => account_id,
    "application_name" => application_name,
    "application_node" => application_node,
    "authorizing_id" => authorizing_id,
    "authorizing_type" => authorizing_type,
    "base_cost" => base_cost,
    "billing_seconds_offset" => billing_seconds_offset,
    "bridge_id" => bridge_id,
    "call_interaction_id" => call_interaction_id,
    "callflow_id" => callflow_id,
    "channel_authorized" => channel_authorized,
    "discount_percentage" => discount_percentage,
    "ecallmgr_node" => ecallmgr_node,
    "fetch_id" => fetch_id,
    "global_resource" => global_resource,
    "inception" => inception,
    "owner_id" => owner_id,
    "rate" => rate,
    "rate_description" => rate_description,
    "rate_increment" => rate_increment,
    "rate_minimum" => rate_minimum,
    "rate_name" => rate_name,
    "rate_nocharge_time" => rate_nocharge_time,
    "realm" => realm,
    "reseller_billing" => reseller_billing,
    "reseller_id" => reseller_id,
    "resource_id" => resource_id,
    "resource_type" => resource_type,
    "surcharge" => surcharge,
    "username" => username,
});

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
    fn read_object<'de, A: MapAccess<'de>>(map: A, slot: &ErrorSlot) -> Result<Self, A::Error> {
        Ok(read_record!(CustomChannelVars::default(), map, slot))
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

object_traits!(CustomChannelVars);

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
