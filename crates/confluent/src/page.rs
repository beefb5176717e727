//! Confluent list pagination: `page_size` on the first request, then the `page_token` of
//! `metadata.next` until it is absent.

use linkplan_http::config::{query_param, with_query};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::client::{Call, Client, decode};
use crate::error::Error;

/// The most pages one listing follows (a server that never stops is an error, not a hang).
const MAX_PAGES: usize = 10_000;

/// `{api_version, kind, metadata: {next, total_size, …}, data: […]}`.
#[derive(Debug, Deserialize)]
struct ListBody<T> {
    #[serde(default)]
    metadata: Option<ListMeta>,
    #[serde(default = "Option::default")]
    data: Option<Vec<T>>,
}

#[derive(Debug, Deserialize)]
struct ListMeta {
    next: Option<String>,
}

/// Every item of a list, following pages. `query` holds the filters; `page_size` is the
/// operation's documented maximum, so N items cost ceil(N / page_size) requests. The token is
/// taken out of the `next` link and sent to our own base URL with the same filters (the link's
/// host is never contacted, so credentials cannot leak to another host).
pub(crate) async fn list_all<T: DeserializeOwned>(
    client: &Client,
    path: &str,
    query: &[(&str, String)],
    page_size: u32,
) -> Result<Vec<T>, Error> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut pairs: Vec<(&str, String)> = query.to_vec();
        match &token {
            None => pairs.push(("page_size", page_size.to_string())),
            Some(t) => pairs.push(("page_token", t.clone())),
        }
        let call = Call::get(with_query(path, &pairs));
        let response = client.send(&call).await?;
        let page: ListBody<T> = decode(&call, &response)?;
        items.extend(page.data.unwrap_or_default());
        let Some(next) = page.metadata.and_then(|m| m.next).filter(|n| !n.is_empty()) else {
            return Ok(items);
        };
        let next_token = query_param(&next, "page_token").filter(|t| !t.is_empty());
        match next_token {
            Some(t) if token.as_ref() != Some(&t) => token = Some(t),
            Some(_) => return Err(call.protocol("metadata.next repeats the current page token")),
            None => return Err(call.protocol("metadata.next has no page_token")),
        }
    }
    Err(Call::get(path.to_owned()).protocol(format!("more than {MAX_PAGES} pages")))
}
