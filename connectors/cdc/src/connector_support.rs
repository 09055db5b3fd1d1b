//! The connector half that the PostgreSQL and MySQL connectors share,
//! [`CdcConnector`]: `validate` reports the keys' own checks, then the cross-key
//! rules of parsing, then the checks against the server, each on the key to fix;
//! `start` runs the same checks; and there is one task, because one change stream
//! (a slot, a binlog) is read in order by one reader. What differs is the database
//! ([`CdcDatabase`]).

use std::future::Future;
use std::marker::PhantomData;

use async_trait::async_trait;
use connect_api::config::ConfigDef;
use connect_api::{
    block_on_side, ConfigInfos, ConnectError, Connector, ConnectorContext, Props, SourceConnector,
    SourceTask,
};

use crate::config::HOSTNAME;
use crate::error::CdcError;
use crate::VERSION;

/// What a CDC connector needs from its database's module.
pub trait CdcDatabase: 'static {
    type Settings: Send + Sync;
    /// The keys the connector accepts.
    fn config_def() -> ConfigDef;
    /// The properties parsed and checked across keys.
    fn parse(props: &Props) -> Result<Self::Settings, ConnectError>;
    /// Everything checked against the server before the connector starts.
    fn check(settings: &Self::Settings) -> impl Future<Output = Result<(), CdcError>> + Send;
    /// A new task.
    fn create_task() -> Box<dyn SourceTask>;
}

/// A Debezium CDC source connector for database `D`.
pub struct CdcConnector<D> {
    props: Props,
    database: PhantomData<fn() -> D>,
}

impl<D> CdcConnector<D> {
    pub fn new() -> Self {
        CdcConnector {
            props: Props::new(),
            database: PhantomData,
        }
    }
}

impl<D> Default for CdcConnector<D> {
    fn default() -> Self {
        Self::new()
    }
}

impl<D> std::fmt::Debug for CdcConnector<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CdcConnector")
            .field("database", &std::any::type_name::<D>())
            .finish_non_exhaustive()
    }
}

#[async_trait]
impl<D: CdcDatabase> Connector for CdcConnector<D> {
    fn version(&self) -> String {
        VERSION.to_string()
    }

    fn config_def(&self) -> ConfigDef {
        D::config_def()
    }

    /// The keys' own checks, then the cross-key rules and the server checks of
    /// `start`, each reported on the key to fix.
    fn validate(&self, props: &Props) -> ConfigInfos {
        validate(D::config_def(), props, D::parse, |settings| async move {
            D::check(&settings).await
        })
    }

    async fn start(
        &mut self,
        _context: ConnectorContext,
        props: Props,
    ) -> Result<(), ConnectError> {
        let settings = D::parse(&props)?;
        D::check(&settings).await?;
        self.props = props;
        Ok(())
    }

    /// One task, whatever `tasks.max` says.
    async fn task_configs(&mut self, max_tasks: usize) -> Result<Vec<Props>, ConnectError> {
        Ok(single_task(&self.props, max_tasks))
    }

    async fn stop(&mut self) -> Result<(), ConnectError> {
        Ok(())
    }
}

impl<D: CdcDatabase> SourceConnector for CdcConnector<D> {
    fn create_task(&self) -> Box<dyn SourceTask> {
        D::create_task()
    }
}

/// `Connector::validate` of a CDC connector: `parse` turns the properties into
/// settings, `check` asks the server (it owns the settings, so the future borrows
/// nothing). Errors without a key of their own (the server
/// unreachable) are reported on `database.hostname`.
fn validate<S, F, Fut>(
    def: ConfigDef,
    props: &Props,
    parse: impl FnOnce(&Props) -> Result<S, ConnectError>,
    check: F,
) -> ConfigInfos
where
    F: FnOnce(S) -> Fut,
    Fut: Future<Output = Result<(), CdcError>> + Send,
{
    let mut infos = def.validate(props);
    if !infos.errors().is_empty() {
        return infos;
    }
    match parse(props) {
        Err(ConnectError::Config { key, message }) => infos.add_error(&key, message),
        Err(e) => infos.add_error(HOSTNAME, e.to_string()),
        Ok(settings) => {
            if let Some(Err(e)) = block_on_side(check(settings)) {
                let key = e.key().unwrap_or(HOSTNAME).to_string();
                let message = match e {
                    CdcError::Config { message, .. } => message,
                    other => other.to_string(),
                };
                infos.add_error(&key, message);
            }
        }
    }
    infos
}

/// `Connector::task_configs`: one task, whatever `tasks.max` says.
fn single_task(props: &Props, max_tasks: usize) -> Vec<Props> {
    if max_tasks == 0 {
        return Vec::new();
    }
    vec![props.clone()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_task_unless_none_is_asked_for() {
        let props: Props = [("a".to_string(), "b".to_string())].into_iter().collect();
        assert_eq!(single_task(&props, 0), Vec::<Props>::new());
        assert_eq!(single_task(&props, 4), vec![props.clone()]);
    }
}
