//! Which kind of resource carried a call (`custom_channel_vars.resource_type`).

use super::named::named_enum;

named_enum! {
    /// Which kind of resource carried a call, from the account's point of view.
    ///
    /// ```
    /// use kazoo_records::cdr::ResourceType;
    ///
    /// assert_eq!(ResourceType::from("offnet-origination"), ResourceType::OffnetOrigination);
    /// let audio = ResourceType::from("audio");
    /// assert!(matches!(&audio, ResourceType::Other(name) if name.as_str() == "audio"));
    /// assert_eq!(audio.to_string(), "audio");
    /// ```
    pub enum ResourceType {
        /// A call from a carrier into the platform.
        OffnetOrigination => "offnet-origination",
        /// A call from the platform out to a carrier.
        OffnetTermination => "offnet-termination",
        /// A call from a device on the platform.
        OnnetOrigination => "onnet-origination",
        /// A call to a device on the platform.
        OnnetTermination => "onnet-termination",
    }
    what: "a resource type",
    other: "A resource type KAZOO does not document here (for example `audio` in route requests), kept as written."
}
