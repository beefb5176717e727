//! `open_enum!`: string enums that keep values they do not know (vendors add states).

/// Declare a string enum whose unknown values decode to `Other(String)` instead of failing
/// (the vendors' enums are `x-extensible-enum`). Serializes back to the same string.
///
/// ```
/// linkplan_http::open_enum! {
///     /// A phase.
///     pub enum Phase {
///         /// Being made.
///         Provisioning = "PROVISIONING",
///         /// Done.
///         Ready = "READY",
///     }
/// }
/// let p: Phase = serde_json::from_str("\"PAUSED\"").unwrap();
/// assert_eq!(p, Phase::Other("PAUSED".to_owned()));
/// assert_eq!(Phase::Ready.as_str(), "READY");
/// ```
#[macro_export]
macro_rules! open_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value this client does not know, kept as sent.
            Other(String),
        }

        impl $name {
            /// The wire spelling.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $text, )+
                    $name::Other(s) => s,
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::convert::From<&str> for $name {
            fn from(s: &str) -> $name {
                match s {
                    $( $text => $name::$variant, )+
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<$name, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize<'de>>::deserialize(deserializer)?;
                Ok($name::from(s.as_ref()))
            }
        }
    };
}
