//! Enums of KAZOO's known names with an `Other` fallback, so an unknown name is kept rather
//! than refused or lost, and [`Unrecognized`], what the fallback holds.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// A name that is none of `E`'s known names, kept exactly as it was written: what the
/// `Other` variant of [`CallDirection`](super::CallDirection) and
/// [`ResourceType`](super::ResourceType) holds.
///
/// Only parsing makes one (`From<&str>`, `From<String>`, `FromStr`, serde and CDR reading),
/// and only for a name that is not one of `E`'s variants: `"inbound"` always reads as
/// `CallDirection::Inbound`, never as `CallDirection::Other`, so two values of `E` are equal
/// exactly when their names are. The type parameter keeps a name unknown to one enum out of
/// another (`"inbound"` is an unrecognized [`ResourceType`](super::ResourceType)).
///
/// Compared, ordered, hashed, shown and debugged as its name.
///
/// ```
/// use kazoo_records::cdr::CallDirection;
///
/// let direction = CallDirection::from("sideways");
/// match &direction {
///     CallDirection::Inbound | CallDirection::Outbound => unreachable!(),
///     CallDirection::Other(name) => assert_eq!(name.as_str(), "sideways"),
/// }
/// assert_eq!(direction.as_str(), "sideways");
/// assert_eq!(CallDirection::from("inbound"), CallDirection::Inbound);
/// ```
pub struct Unrecognized<E> {
    name: String,
    of: PhantomData<fn() -> E>,
}

impl<E> Unrecognized<E> {
    /// Wraps `name`, which the caller has checked is none of `E`'s known names.
    pub(crate) fn new(name: String) -> Self {
        Unrecognized {
            name,
            of: PhantomData,
        }
    }

    /// The name, as it was written.
    pub fn as_str(&self) -> &str {
        &self.name
    }
}

impl<E> Clone for Unrecognized<E> {
    fn clone(&self) -> Self {
        Unrecognized::new(self.name.clone())
    }
}

impl<E> PartialEq for Unrecognized<E> {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl<E> Eq for Unrecognized<E> {}

impl<E> PartialOrd for Unrecognized<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Unrecognized<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.name.cmp(&other.name)
    }
}

impl<E> Hash for Unrecognized<E> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.name.hash(state);
    }
}

impl<E> fmt::Debug for Unrecognized<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.name, f)
    }
}

impl<E> fmt::Display for Unrecognized<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

/// Declares an enum of known names plus `Other(Unrecognized<Self>)`, with `as_str`,
/// `From<&str>`/`From<String>`, infallible `FromStr`, `Display`, serde as the plain string,
/// and lenient reading. Every way in goes through `known`, so `Other` never holds a known
/// name.
macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $($(#[$vmeta:meta])* $variant:ident => $text:literal,)*
        }
        what: $what:literal,
        other: $other_doc:literal
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            #[doc = $other_doc]
            ///
            /// Never one of the names above: those always read as their own variant.
            Other($crate::cdr::Unrecognized<$name>),
        }

        impl $name {
            /// The name as KAZOO writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(other) => other.as_str(),
                }
            }

            /// The known variant for `name`, or `None` when it is not a known name.
            fn known(name: &str) -> Option<Self> {
                match name {
                    $($text => Some($name::$variant),)*
                    _ => None,
                }
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> Self {
                $name::known(name).unwrap_or_else(|| {
                    $name::Other($crate::cdr::Unrecognized::new(name.to_owned()))
                })
            }
        }

        impl From<String> for $name {
            fn from(name: String) -> Self {
                match $name::known(&name) {
                    Some(known) => known,
                    None => $name::Other($crate::cdr::Unrecognized::new(name)),
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(name: &str) -> Result<Self, Self::Err> {
                Ok($name::from(name))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok($name::from(name.as_ref()))
            }
        }

        impl $crate::json::FromScalar for $name {
            fn from_scalar(scalar: $crate::json::Scalar<'_>) -> Result<Self, $crate::Error> {
                match scalar {
                    $crate::json::Scalar::Str(name) => Ok($name::from(name.as_ref())),
                    other => Err(other.invalid($what, &$crate::cdr::named::expected(&[$($text),*]))),
                }
            }

            fn is_native(_scalar: &$crate::json::Scalar<'_>) -> bool {
                true // only strings read
            }
        }
    };
}

pub(crate) use named_enum;

/// What a named enum accepts, for error messages: any JSON string, the known names as examples
/// (`a JSON string, such as inbound or outbound`).
pub(crate) fn expected(known: &[&str]) -> String {
    let examples = match known {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} or {last}", rest.join(", ")),
    };
    format!("a JSON string, such as {examples}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_lists_the_known_names_without_stray_spaces() {
        assert_eq!(
            expected(&["inbound", "outbound"]),
            "a JSON string, such as inbound or outbound"
        );
        assert_eq!(
            expected(&["a", "b", "c"]),
            "a JSON string, such as a, b or c"
        );
        assert_eq!(expected(&["a"]), "a JSON string, such as a");
    }

    #[test]
    fn a_non_string_names_the_field_in_words() {
        use crate::cdr::CallDirection;
        use crate::json::{FromScalar, Scalar};

        let err = CallDirection::from_scalar(Scalar::Int(5)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "5 is not a call direction; expected a JSON string, such as inbound or outbound"
        );
    }
}
