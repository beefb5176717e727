//! TiDB list pagination: `pageSize` + `pageToken` in, `nextPageToken` out (empty on the last page).

use linkplan_http::config::with_query;
use serde::de::DeserializeOwned;

use crate::client::{Call, Client, decode};
use crate::error::Error;

/// The most pages one listing follows (a server that never stops is an error, not a hang).
const MAX_PAGES: usize = 10_000;

/// A page body: its items and the token of the next page.
pub(crate) trait ListBody: DeserializeOwned {
    type Item;
    fn into_parts(self) -> (Vec<Self::Item>, Option<String>);
}

/// Every item of a list, following pages. `page_size` is the operation's maximum, so N items
/// cost ceil(N / page_size) requests.
pub(crate) async fn list_all<B: ListBody>(
    client: &Client,
    path: &str,
    query: &[(&str, String)],
    page_size: u32,
) -> Result<Vec<B::Item>, Error> {
    let mut items = Vec::new();
    let mut token: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let mut pairs: Vec<(&str, String)> = query.to_vec();
        pairs.push(("pageSize", page_size.to_string()));
        if let Some(t) = &token {
            pairs.push(("pageToken", t.clone()));
        }
        let call = Call::get(with_query(path, &pairs));
        let response = client.send(&call).await?;
        let page: B = decode(&call, &response)?;
        let (page_items, next) = page.into_parts();
        items.extend(page_items);
        match next.filter(|t| !t.is_empty()) {
            None => return Ok(items),
            Some(t) if token.as_ref() == Some(&t) => {
                return Err(call.protocol("nextPageToken repeats the current page token"));
            }
            Some(t) => token = Some(t),
        }
    }
    Err(Call::get(path.to_owned()).protocol(format!("more than {MAX_PAGES} pages")))
}
