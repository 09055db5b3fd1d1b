//! The development broker behind `--dev-broker`: librdkafka's in-process mock cluster.
//! It is NOT durable (everything is gone when the process exits) and exists so a first
//! run needs nothing installed. The mock has no CreateTopics API, so topic creation goes
//! through its own call, on the thread that owns it (the mock handle is not Send).

use std::sync::mpsc;
use std::thread;

use rdkafka::mocking::MockCluster;
use tracing::info;

/// A create-topic request: name, partitions, where to send the outcome.
type CreateTopic = (String, i32, mpsc::Sender<Result<(), String>>);

pub struct DevBroker {
    bootstrap: String,
    requests: mpsc::Sender<CreateTopic>,
}

impl DevBroker {
    pub fn start() -> Result<DevBroker, String> {
        let (boot_tx, boot_rx) = mpsc::channel();
        let (req_tx, req_rx) = mpsc::channel::<CreateTopic>();
        thread::Builder::new()
            .name("dev-broker".into())
            .spawn(move || {
                let cluster = match MockCluster::new(1) {
                    Ok(c) => c,
                    Err(e) => {
                        let _ = boot_tx.send(Err(e.to_string()));
                        return;
                    }
                };
                let _ = boot_tx.send(Ok(cluster.bootstrap_servers()));
                // Lives until the process exits: the sender side is held by DevBroker.
                for (topic, partitions, reply) in req_rx {
                    let r = cluster
                        .create_topic(&topic, partitions, 1)
                        .map_err(|e| e.to_string());
                    let _ = reply.send(r);
                }
            })
            .map_err(|e| e.to_string())?;
        let bootstrap = boot_rx
            .recv()
            .map_err(|_| "dev broker thread died".to_string())??;
        info!(%bootstrap, "started the in-process development broker (NOT durable)");
        Ok(DevBroker {
            bootstrap,
            requests: req_tx,
        })
    }

    pub fn bootstrap_servers(&self) -> &str {
        &self.bootstrap
    }

    pub fn handle(&self) -> DevBrokerHandle {
        DevBrokerHandle {
            requests: self.requests.clone(),
        }
    }
}

/// A Send handle that creates topics on the development broker.
#[derive(Clone)]
pub struct DevBrokerHandle {
    requests: mpsc::Sender<CreateTopic>,
}

impl DevBrokerHandle {
    pub fn create_topic(&self, topic: &str, partitions: i32) -> Result<(), String> {
        let (tx, rx) = mpsc::channel();
        self.requests
            .send((topic.to_string(), partitions, tx))
            .map_err(|_| "dev broker stopped".to_string())?;
        rx.recv().map_err(|_| "dev broker stopped".to_string())?
    }
}
