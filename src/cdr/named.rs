//! Enums of KAZOO's known names with an `Other(String)` fallback, so an unknown name is kept
//! rather than refused or lost.

/// Declares a `#[non_exhaustive]` enum of known names plus `Other(String)`, with `as_str`,
/// `From<&str>`/`From<String>`, infallible `FromStr`, `Display`, serde as the plain string, and lenient reading.
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
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            #[doc = $other_doc]
            Other(String),
        }

        impl $name {
            /// The name as KAZOO writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Other(other) => other,
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
                $name::known(name).unwrap_or_else(|| $name::Other(name.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(name: String) -> Self {
                $name::known(&name).unwrap_or($name::Other(name))
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

        impl $crate::cdr::lenient::FromScalar for $name {
            fn from_scalar(scalar: $crate::cdr::lenient::Scalar<'_>) -> Result<Self, $crate::Error> {
                match scalar {
                    $crate::cdr::lenient::Scalar::Str(name) => Ok($name::from(name.as_ref())),
                    other => Err(other.invalid($what, &$crate::cdr::named::expected(&[$($text),*]))),
                }
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
        use crate::cdr::lenient::{FromScalar, Scalar};

        let err = CallDirection::from_scalar(Scalar::Int(5)).unwrap_err();
        assert_eq!(
            err.to_string(),
            "5 is not a call direction; expected a JSON string, such as inbound or outbound"
        );
    }
}
