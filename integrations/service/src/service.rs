//! [`Service`]: the HTTP server and the CDR consumer that feeds it.

use std::sync::Arc;

use kazoo_records::Error;
use kazoo_records_amqp::CdrConsumer;

use crate::database::{Backend, Database};

/// The CDR service: the database's connections, served over HTTP and fed by a CDR consumer.
///
/// ```no_run
/// use kazoo_records_service::{Backend, Service};
///
/// # async fn run() -> Result<(), kazoo_records::Error> {
/// let service = Service::open(&Backend::Sqlite("cdrs.sqlite".into()), 4).await?;
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:8000").await.map_err(kazoo_records::Error::store)?;
/// service.serve(listener, None, async { let _ = tokio::signal::ctrl_c().await; }).await
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct Service {
    db: Database,
}

impl Service {
    /// Opens `connections` connections to `backend` (at least one), creating the schema if
    /// needed.
    ///
    /// # Errors
    ///
    /// The store's, when the database cannot be opened or reached.
    pub async fn open(backend: &Backend, connections: usize) -> Result<Service, Error> {
        Ok(Service {
            db: Database::open(backend, connections).await?,
        })
    }

    /// The HTTP routes (for a host that serves them itself).
    pub fn router(&self) -> axum::Router {
        crate::routes::router(self.db.clone())
    }

    /// Serves HTTP on `listener` and, when given, runs `consumer` into the database, until
    /// `stop` completes (then both stop: in-flight requests finish, unacknowledged messages
    /// go back to the queue).
    ///
    /// # Errors
    ///
    /// The server's I/O errors, and the consumer's when it gives up connecting
    /// ([`CdrConsumerConfig::max_failed_connects`](kazoo_records_amqp::CdrConsumerConfig::max_failed_connects)).
    pub async fn serve(
        self,
        listener: tokio::net::TcpListener,
        consumer: Option<Arc<CdrConsumer>>,
        stop: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
            let _ = rx.wait_for(|stop| *stop).await;
        };
        let feed = consumer.map(|consumer| {
            let db = self.db.clone();
            let until = stopped(stop_rx.clone());
            tokio::spawn(async move {
                match &db {
                    Database::Sqlite(pool) => consumer.run(pool, until).await,
                    Database::Postgres(pool) => consumer.run(pool, until).await,
                }
            })
        });
        let server = axum::serve(listener, self.router())
            .with_graceful_shutdown(stopped(stop_rx.clone()))
            .into_future();
        tokio::spawn(async move {
            stop.await;
            let _ = stop_tx.send(true);
        });
        let served = server
            .await
            .map_err(|e| Error::store(format!("the HTTP server failed: {e}")));
        let fed = match feed {
            Some(task) => task
                .await
                .map_err(|e| Error::store(format!("the CDR consumer did not finish: {e}")))?
                .map_err(|e| Error::store(format!("the CDR consumer stopped: {e}"))),
            None => Ok(()),
        };
        served.and(fed)
    }
}
