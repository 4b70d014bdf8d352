//! The direction of a call leg, relative to the media switch.

use super::named::named_enum;

named_enum! {
    /// The direction of a call leg relative to the media switch (`call_direction`).
    ///
    /// ```
    /// use kazoo_records::cdr::CallDirection;
    ///
    /// assert_eq!(CallDirection::from("inbound"), CallDirection::Inbound);
    /// assert_eq!("outbound".parse(), Ok(CallDirection::Outbound));
    /// assert_eq!(CallDirection::from("sideways").as_str(), "sideways");
    /// assert_eq!(serde_json::to_string(&CallDirection::from("sideways"))?, r#""sideways""#);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub enum CallDirection {
        /// Into the switch (from the caller's device or carrier).
        Inbound => "inbound",
        /// Out of the switch (towards the callee).
        Outbound => "outbound",
    }
    what: "a call direction",
    other: "A direction KAZOO does not document, kept as written."
}
