//! [`App`]: the application that emits events.

/// The application that emits events: its name and version, as every [`Event`](super::Event)
/// it emits carries them (`app_name`, `app_version`).
///
/// Made once and passed to [`Emitter::emit`](super::Emitter::emit) and
/// [`Emitter::emit_for_account`](super::Emitter::emit_for_account), so the two strings cannot
/// be swapped at a call site.
///
/// The name is not checked: as for [`Event::new`](super::Event::new), a name holding `.`, `*`
/// or `#` still dispatches in-process, but its events have no
/// [`routing_key`](super::Event::routing_key).
///
/// ```
/// use kazoo_records::edr::App;
///
/// let app = App::new("callflow", "4.3.1");
/// assert_eq!((app.name(), app.version()), ("callflow", "4.3.1"));
/// assert_eq!(app.clone(), app);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct App {
    name: String,
    version: String,
}

impl App {
    /// An application called `name` (KAZOO's `app_name`, such as `callflow`) at `version`
    /// (`app_version`, such as `4.3.1`).
    pub fn new(name: impl Into<String>, version: impl Into<String>) -> Self {
        App {
            name: name.into(),
            version: version.into(),
        }
    }

    /// The name events carry as `app_name`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The version events carry as `app_version`.
    pub fn version(&self) -> &str {
        &self.version
    }
}
