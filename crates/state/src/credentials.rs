//! The AWS credential chain, in the order the AWS SDKs use, and the region:
//!
//! 1. the environment: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, optional `AWS_SESSION_TOKEN`;
//! 2. the shared files' profile (`AWS_PROFILE`, else `default`): `~/.aws/credentials`
//!    (`AWS_SHARED_CREDENTIALS_FILE`) and `~/.aws/config` (`AWS_CONFIG_FILE`) — static keys, or a
//!    profile's `role_arn` with `web_identity_token_file`;
//! 3. web identity from the environment (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`, as
//!    GitHub Actions' `aws-actions/configure-aws-credentials` and EKS set them);
//! 4. the ECS / EKS Pod Identity container endpoint (`AWS_CONTAINER_CREDENTIALS_*`);
//! 5. EC2 instance metadata, unless `AWS_EC2_METADATA_DISABLED=true`.
//!
//! Steps 3 to 5 are carried out by `object_store`'s providers; a profile that needs a process,
//! SSO or a chained role (`credential_process`, `sso_*`, `source_profile`) is refused with the
//! way to export its credentials instead. What is found is named by its [`CredentialSource`] in
//! every message; a key's value never is (nor its `Debug`).

use std::path::{Path, PathBuf};

/// A value never shown: `Debug` prints `***`.
#[derive(Clone)]
pub(crate) struct Secret(String);

impl Secret {
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// Where the credentials were found, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CredentialSource {
    /// `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`.
    Environment,
    /// A profile of the shared files.
    Profile { name: String, file: PathBuf },
    /// `AssumeRoleWithWebIdentity` with a token file (from the environment or a profile).
    WebIdentity { role_arn: String },
    /// The ECS / EKS container credentials endpoint.
    Container,
    /// EC2 instance metadata (IMDSv2).
    InstanceMetadata,
}

impl std::fmt::Display for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CredentialSource::Environment => f.write_str("AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY"),
            CredentialSource::Profile { name, file } => write!(f, "profile `{name}` of {}", file.display()),
            CredentialSource::WebIdentity { role_arn } => write!(f, "web identity for role {role_arn}"),
            CredentialSource::Container => f.write_str("the container credentials endpoint"),
            CredentialSource::InstanceMetadata => f.write_str("EC2 instance metadata"),
        }
    }
}

/// What the chain found.
#[derive(Debug, Clone)]
pub(crate) enum Credentials {
    Static {
        key_id: String,
        secret: Secret,
        token: Option<Secret>,
    },
    WebIdentity {
        token_file: String,
        role_arn: String,
        session_name: Option<String>,
    },
    /// Left to `object_store`, which reads the same variables.
    Container {
        relative_uri: Option<String>,
        full_uri: Option<String>,
        token_file: Option<String>,
    },
    Instance,
}

/// The chain's answer: credentials, where they came from, and a region if a profile names one.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) credentials: Credentials,
    pub(crate) source: CredentialSource,
    pub(crate) profile_region: Option<String>,
}

/// Why no credentials could be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CredentialError {
    #[error("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not (or the other way round)")]
    HalfEnvironment,
    #[error("the AWS profile `{name}` (AWS_PROFILE) is in neither {} nor {}", credentials.display(), config.display())]
    NoProfile { name: String, credentials: PathBuf, config: PathBuf },
    #[error("the AWS profile `{name}` uses {what}, which linkplan does not run")]
    Unsupported { name: String, what: &'static str },
    #[error("the AWS profile `{name}` in {} has no aws_secret_access_key", file.display())]
    IncompleteProfile { name: String, file: PathBuf },
    #[error("no AWS credentials found (environment, profile, web identity, container; instance metadata is off)")]
    None,
}

impl CredentialError {
    pub(crate) fn help(&self) -> String {
        match self {
            CredentialError::Unsupported { name, .. } => format!(
                "export that profile's credentials first: eval \"$(aws configure export-credentials --profile {name} \
                 --format env)\""
            ),
            _ => "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN), AWS_PROFILE, or \
                  AWS_WEB_IDENTITY_TOKEN_FILE with AWS_ROLE_ARN"
                .to_owned(),
        }
    }
}

/// Follow the chain, reading variables through `env` and the shared files from the disk.
pub(crate) fn resolve(env: &dyn Fn(&str) -> Option<String>) -> Result<Resolved, CredentialError> {
    let var = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let profile = Profiles::read(env);
    let profile_region = profile.as_ref().ok().and_then(|p| p.get("region"));
    let done = |credentials, source| Ok(Resolved { credentials, source, profile_region: profile_region.clone() });

    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(key_id), Some(secret)) => {
            let token = var("AWS_SESSION_TOKEN").map(Secret);
            return done(Credentials::Static { key_id, secret: Secret(secret), token }, CredentialSource::Environment);
        }
        (None, None) => (),
        _ => return Err(CredentialError::HalfEnvironment),
    }

    let profile = profile?;
    if profile.found {
        let name = profile.name.clone();
        for (key, what) in [
            ("credential_process", "credential_process"),
            ("sso_session", "SSO"),
            ("sso_start_url", "SSO"),
            ("source_profile", "a chained role (source_profile)"),
            ("credential_source", "a chained role (credential_source)"),
        ] {
            if profile.get(key).is_some() {
                return Err(CredentialError::Unsupported { name, what });
            }
        }
        if let (Some(role_arn), Some(token_file)) = (profile.get("role_arn"), profile.get("web_identity_token_file")) {
            let session_name = profile.get("role_session_name");
            return done(
                Credentials::WebIdentity { token_file, role_arn: role_arn.clone(), session_name },
                CredentialSource::WebIdentity { role_arn },
            );
        }
        if let Some(key_id) = profile.get("aws_access_key_id") {
            let file = profile.file_of("aws_access_key_id");
            let Some(secret) = profile.get("aws_secret_access_key") else {
                return Err(CredentialError::IncompleteProfile { name, file });
            };
            let token = profile.get("aws_session_token").map(Secret);
            return done(
                Credentials::Static { key_id, secret: Secret(secret), token },
                CredentialSource::Profile { name, file },
            );
        }
    }

    if let (Some(token_file), Some(role_arn)) = (var("AWS_WEB_IDENTITY_TOKEN_FILE"), var("AWS_ROLE_ARN")) {
        let session_name = var("AWS_ROLE_SESSION_NAME");
        return done(
            Credentials::WebIdentity { token_file, role_arn: role_arn.clone(), session_name },
            CredentialSource::WebIdentity { role_arn },
        );
    }
    let relative_uri = var("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    let full_uri = var("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if relative_uri.is_some() || full_uri.is_some() {
        let token_file = var("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
        return done(Credentials::Container { relative_uri, full_uri, token_file }, CredentialSource::Container);
    }
    if var("AWS_EC2_METADATA_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
        return Err(CredentialError::None);
    }
    done(Credentials::Instance, CredentialSource::InstanceMetadata)
}

/// One profile's keys from the two shared files (the credentials file wins).
#[derive(Debug)]
struct Profiles {
    name: String,
    found: bool,
    credentials_file: PathBuf,
    config_file: PathBuf,
    from_credentials: Vec<(String, String)>,
    from_config: Vec<(String, String)>,
}

impl Profiles {
    fn read(env: &dyn Fn(&str) -> Option<String>) -> Result<Profiles, CredentialError> {
        let explicit = env("AWS_PROFILE").filter(|p| !p.trim().is_empty());
        let name = explicit.clone().unwrap_or_else(|| "default".to_owned());
        let home = env("HOME").or_else(|| env("USERPROFILE")).map(PathBuf::from).unwrap_or_default();
        let credentials_file = env("AWS_SHARED_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .unwrap_or_else(|| home.join(".aws").join("credentials"));
        let config_file = env("AWS_CONFIG_FILE").map(PathBuf::from).unwrap_or_else(|| home.join(".aws").join("config"));
        let from_credentials = section(&credentials_file, &name);
        let config_section = if name == "default" { "default".to_owned() } else { format!("profile {name}") };
        let from_config = section(&config_file, &config_section);
        let found = from_credentials.is_some() || from_config.is_some();
        if explicit.is_some() && !found {
            return Err(CredentialError::NoProfile { name, credentials: credentials_file, config: config_file });
        }
        Ok(Profiles {
            name,
            found,
            credentials_file,
            config_file,
            from_credentials: from_credentials.unwrap_or_default(),
            from_config: from_config.unwrap_or_default(),
        })
    }

    fn get(&self, key: &str) -> Option<String> {
        let find = |pairs: &[(String, String)]| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone());
        find(&self.from_credentials).or_else(|| find(&self.from_config)).filter(|v| !v.is_empty())
    }

    fn file_of(&self, key: &str) -> PathBuf {
        if self.from_credentials.iter().any(|(k, _)| k == key) {
            self.credentials_file.clone()
        } else {
            self.config_file.clone()
        }
    }
}

/// The `key = value` pairs of `[name]` in an INI-style AWS file; `None` when the file or the
/// section is absent. Comments (`#`, `;`) and indented continuation lines are skipped.
fn section(path: &Path, name: &str) -> Option<Vec<(String, String)>> {
    let text = std::fs::read_to_string(path).ok()?;
    parse_section(&text, name)
}

fn parse_section(text: &str, name: &str) -> Option<Vec<(String, String)>> {
    let mut inside = false;
    let mut found = None::<Vec<(String, String)>>;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            inside = header.split_whitespace().collect::<Vec<_>>().join(" ") == name;
            if inside {
                found.get_or_insert_with(Vec::new);
            }
            continue;
        }
        if !inside || line.starts_with([' ', '\t']) {
            continue;
        }
        if let (Some(pairs), Some((key, value))) = (found.as_mut(), trimmed.split_once('=')) {
            pairs.push((key.trim().to_ascii_lowercase(), value.trim().to_owned()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    fn dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("linkplan-creds-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join(".aws")).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        dir
    }

    fn write(path: PathBuf, text: &str) {
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }

    #[test]
    fn the_environment_comes_first_and_half_of_it_is_an_error() {
        let home = dir("env");
        let home = home.to_string_lossy().into_owned();
        let found =
            resolve(&env(&[("HOME", &home), ("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "s3cr3t")]));
        let found = found.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(found.source, CredentialSource::Environment);
        assert!(!format!("{found:?}").contains("s3cr3t"), "Debug never shows a secret");
        let half = resolve(&env(&[("HOME", &home), ("AWS_ACCESS_KEY_ID", "AKID")]));
        assert_eq!(half.err(), Some(CredentialError::HalfEnvironment));
    }

    #[test]
    fn a_profile_from_the_shared_files_with_its_region() {
        let home = dir("profile");
        write(
            home.join(".aws/credentials"),
            "[default]\naws_access_key_id = A\naws_secret_access_key = B\n\n[ci]\n# comment\naws_access_key_id=C\naws_secret_access_key=D\naws_session_token=E\n",
        );
        write(
            home.join(".aws/config"),
            "[default]\nregion = eu-west-1\n[profile ci]\nregion = us-west-2\n[profile sso]\nsso_session = corp\n",
        );
        let home_s = home.to_string_lossy().into_owned();
        let ci = resolve(&env(&[("HOME", &home_s), ("AWS_PROFILE", "ci")])).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(&ci.credentials, Credentials::Static { key_id, token: Some(_), .. } if key_id == "C"));
        assert_eq!(ci.profile_region.as_deref(), Some("us-west-2"));
        assert!(matches!(ci.source, CredentialSource::Profile { ref name, .. } if name == "ci"));
        let default = resolve(&env(&[("HOME", &home_s)])).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(&default.credentials, Credentials::Static { key_id, .. } if key_id == "A"));
        assert_eq!(default.profile_region.as_deref(), Some("eu-west-1"));
        let sso = resolve(&env(&[("HOME", &home_s), ("AWS_PROFILE", "sso")]));
        assert!(matches!(sso, Err(CredentialError::Unsupported { what: "SSO", .. })));
        let missing = resolve(&env(&[("HOME", &home_s), ("AWS_PROFILE", "nope")]));
        assert!(matches!(missing, Err(CredentialError::NoProfile { .. })));
    }

    #[test]
    fn web_identity_then_container_then_instance_metadata_unless_disabled() {
        let home = dir("chain");
        let home = home.to_string_lossy().into_owned();
        let web = resolve(&env(&[
            ("HOME", &home),
            ("AWS_WEB_IDENTITY_TOKEN_FILE", "/tmp/token"),
            ("AWS_ROLE_ARN", "arn:aws:iam::123456789012:role/ci"),
        ]))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(web.source, CredentialSource::WebIdentity { .. }));
        let container = resolve(&env(&[("HOME", &home), ("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/creds")]))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(container.source, CredentialSource::Container);
        let imds = resolve(&env(&[("HOME", &home)])).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(imds.source, CredentialSource::InstanceMetadata);
        let off = resolve(&env(&[("HOME", &home), ("AWS_EC2_METADATA_DISABLED", "true")]));
        assert_eq!(off.err(), Some(CredentialError::None));
    }
}
