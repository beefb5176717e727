//! TiDB Cloud REST client.
