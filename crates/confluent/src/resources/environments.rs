//! `org/v2` environments: get (a pre-flight existence check; the plan names an existing one).

use serde::Deserialize;

use super::{Metadata, id_path};
use crate::client::{Call, Client};
use crate::error::Error;

const PATH: &str = "/org/v2/environments";

/// An environment.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct Environment {
    /// `env-…`.
    pub id: String,
    /// The name shown in the console.
    pub display_name: Option<String>,
    /// Timestamps and the CRN.
    #[serde(default)]
    pub metadata: Metadata,
}

/// `client.environments()`.
#[derive(Debug, Clone, Copy)]
pub struct Environments<'c> {
    client: &'c Client,
}

impl<'c> Environments<'c> {
    pub(crate) fn new(client: &'c Client) -> Environments<'c> {
        Environments { client }
    }

    /// `GET /org/v2/environments/{id}` (org/v2 `getOrgV2Environment`).
    pub async fn get(&self, id: &str) -> Result<Environment, Error> {
        self.client.json(&Call::get(id_path(PATH, id))).await
    }
}
