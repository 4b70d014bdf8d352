//! Crossbar's CDR endpoints (`cb_cdrs`) over the service's [`Database`].

use std::collections::HashMap;

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::header::{ACCEPT, CONTENT_DISPOSITION, CONTENT_TYPE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use kazoo_records::cdr::{
    Cdr, CdrId, InteractionId, ListingQuery, PageRequest, Summary, group_interactions,
};
use kazoo_records::time::GregorianSeconds;
use kazoo_records_store::{Scope, account_of};
use serde_json::Value;

use crate::database::Database;
use crate::reply::{Failure, Reply, bad_identifier, not_found, success};

/// The router: every path under `/v2/accounts/{account}`, account- and user-scoped.
pub(crate) fn router(db: Database) -> Router {
    let mut router = Router::new();
    for prefix in [
        "/v2/accounts/{account}",
        "/v2/accounts/{account}/users/{user}",
    ] {
        router = router
            .route(&format!("{prefix}/cdrs"), get(cdrs))
            .route(&format!("{prefix}/cdrs/interaction"), get(interactions))
            .route(&format!("{prefix}/cdrs/summary"), get(summary))
            .route(&format!("{prefix}/cdrs/legs/{{id}}"), get(legs))
            .route(&format!("{prefix}/cdrs/{{id}}"), get(document));
    }
    router.fallback(|| async { not_found() }).with_state(db)
}

type Params = Path<HashMap<String, String>>;

/// The path's parameters: the account's key in the store (404 for an account id that is not
/// one) and the user, if any.
struct Target {
    account_id: String,
    account: String,
    user: Option<String>,
}

impl Target {
    fn of(params: &HashMap<String, String>) -> Result<Target, Failure> {
        let account_id = params.get("account").cloned().unwrap_or_default();
        let database = CdrId::parse("200001-probe")
            .and_then(|id| id.account_database(&account_id))
            .map_err(|_| bad_identifier(&account_id))?;
        Ok(Target {
            account: account_of(&database).to_owned(),
            account_id,
            user: params.get("user").cloned(),
        })
    }

    fn scope(&self) -> Scope {
        let scope = Scope::account(self.account.clone());
        match &self.user {
            Some(user) => scope.with_owner(user.clone()),
            None => scope,
        }
    }

    /// The request's query, owner-scoped under `/users/{U}`.
    fn query(&self, raw: Option<&str>) -> Result<ListingQuery, Failure> {
        let query = ListingQuery::from_query_string(raw.unwrap_or_default())?;
        Ok(match &self.user {
            Some(user) => query.owner(user.clone()),
            None => query,
        })
    }
}

/// Whether the client asked for CSV: `Accept: text/csv` (or KAZOO's other CSV type), or
/// the `accept=csv` parameter.
fn wants_csv(headers: &HeaderMap, query: &ListingQuery) -> bool {
    query.get_accept_csv()
        || headers
            .get_all(ACCEPT)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .any(|v| v.contains("text/csv") || v.contains("text/comma-separated-values"))
}

/// A page as JSON (KAZOO's envelope) or CSV (a download named by `X-File-Name`, the
/// `file_name` parameter or `result.csv`).
fn answer<T: kazoo_records::cdr::ListingItem>(
    headers: &HeaderMap,
    query: &ListingQuery,
    page: &kazoo_records::cdr::Page<T>,
) -> Result<Response, Failure> {
    if !wants_csv(headers, query) {
        return Ok(Reply(StatusCode::OK, query.respond(page)).into_response());
    }
    let mut body = Vec::new();
    query.write_csv(&mut body, page)?;
    let header = headers.get("x-file-name").and_then(|v| v.to_str().ok());
    let name = query.file_name(header).replace('"', "");
    Ok((
        StatusCode::OK,
        [
            (CONTENT_TYPE, "text/csv".to_owned()),
            (
                CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// `GET …/cdrs`: one page of CDRs.
async fn cdrs(
    State(db): State<Database>,
    Path(params): Params,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    listing(db, &params, raw.as_deref(), &headers, false).await
}

/// `GET …/cdrs/interaction`: one page of whole calls.
async fn interactions(
    State(db): State<Database>,
    Path(params): Params,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Failure> {
    listing(db, &params, raw.as_deref(), &headers, true).await
}

/// One page of CDRs, or of interactions: for those the legs of the query's range are read
/// from the interaction index, grouped, and paged by the core.
async fn listing(
    db: Database,
    params: &HashMap<String, String>,
    raw: Option<&str>,
    headers: &HeaderMap,
    interactions: bool,
) -> Result<Response, Failure> {
    let target = Target::of(params)?;
    let query = target.query(raw)?;
    let now = GregorianSeconds::now();
    if !interactions {
        let (scope, q) = (target.scope(), query.clone());
        let page = db.run(move |r| r.page(scope, &q, now)).await?;
        return answer(headers, &query, &page);
    }
    let request = query.get_request();
    let to = request.get_created_to().unwrap_or(now).0;
    let from = request
        .get_created_from()
        .map_or(to.saturating_sub(PageRequest::DEFAULT_MAX_RANGE), |t| t.0);
    let account = target.account.clone();
    let legs = db.run(move |r| r.legs_between(&account, from, to)).await?;
    let calls = group_interactions(&legs);
    let page = query.list_interactions(&calls, now)?;
    answer(headers, &query, &page)
}

/// `GET …/cdrs/summary`: the billing summary of every CDR of the range (and owner).
async fn summary(
    State(db): State<Database>,
    Path(params): Params,
    RawQuery(raw): RawQuery,
) -> Result<Response, Failure> {
    let target = Target::of(&params)?;
    // Every CDR of the range: the last `paginate` stands.
    let all = format!("{}&paginate=false", raw.unwrap_or_default());
    let query = target.query(Some(&all))?;
    let now = GregorianSeconds::now();
    let scope = target.scope();
    let page = db.run(move |r| r.page(scope, &query, now)).await?;
    Ok(success(Summary::of(&page.items).to_json()).into_response())
}

/// `GET …/cdrs/{id}`: one CDR's public document; 404 when the id names none.
async fn document(State(db): State<Database>, Path(params): Params) -> Result<Response, Failure> {
    let target = Target::of(&params)?;
    let id = params.get("id").cloned().unwrap_or_default();
    let database = CdrId::parse(&id)
        .and_then(|cdr_id| cdr_id.account_database(&target.account_id))
        .map_err(|_| bad_identifier(&id))?;
    let key = id.clone();
    let stored = db.run(move |r| r.document(&database, &key)).await?;
    let Some(text) = stored else {
        return Err(bad_identifier(&id).into());
    };
    let cdr = Cdr::from_json_str(&text)?;
    Ok(success(cdr.public_doc()).into_response())
}

/// `GET …/cdrs/legs/{interaction id}`: the public documents of one call's legs, in channel
/// order (an empty list when no leg has that id, as KAZOO's view answers).
async fn legs(State(db): State<Database>, Path(params): Params) -> Result<Response, Failure> {
    let target = Target::of(&params)?;
    let id = params.get("id").cloned().unwrap_or_default();
    let interaction = InteractionId::parse(&id).map_err(|_| bad_identifier(&id))?;
    let account = target.account.clone();
    let legs = db.run(move |r| r.legs(&account, &interaction)).await?;
    let docs: Vec<Value> = legs.iter().map(Cdr::public_doc).collect();
    Ok(success(Value::Array(docs)).into_response())
}
