//! Unit tests of the tracking table, run through dispatch on a server without listeners.

use std::sync::atomic::Ordering;

use ferrokey_resp::{Protocol, ReplyBuf};

use crate::client::ClientState;
use crate::server::Server;
use crate::test_support::server;

/// A RESP3 client whose pushes can be read, on `server`.
struct TestClient {
    state: ClientState,
    pushes: crate::push_queue::PushReceiver,
    out: ReplyBuf,
}

impl TestClient {
    fn new(server: &Server) -> TestClient {
        let (handle, pushes) = server.clients.register(
            crate::client::Peer::Unix {
                path: "test".into(),
            },
            -1,
        );
        let mut client = TestClient {
            state: ClientState::new(handle, true),
            pushes,
            out: ReplyBuf::new(Protocol::Resp2),
        };
        client.run(server, "HELLO 3");
        client
    }

    /// Runs one command and returns its reply followed by the messages it caused for itself.
    fn run(&mut self, server: &Server, line: &str) -> String {
        let args: Vec<&[u8]> = line.split(' ').map(str::as_bytes).collect();
        self.out.clear();
        crate::dispatch::execute(server, &mut self.state, &args, &mut self.out);
        self.state.handle.pubsub.append_deferred(&mut self.out);
        if self.state.protocol != self.out.protocol() {
            self.out.set_protocol(self.state.protocol);
        }
        String::from_utf8_lossy(self.out.as_bytes()).into_owned()
    }

    /// The messages other clients sent, concatenated.
    fn pushes(&mut self) -> String {
        let mut text = String::new();
        while let Some(push) = self.pushes.try_recv() {
            if let Some(bytes) = push.bytes() {
                text.push_str(&String::from_utf8_lossy(bytes));
            }
        }
        text
    }
}

fn invalidation(key: &str) -> String {
    format!(
        ">2\r\n$10\r\ninvalidate\r\n*1\r\n${}\r\n{key}\r\n",
        key.len()
    )
}

#[test]
fn reads_are_remembered_and_writes_invalidate_once() {
    let server = server();
    let mut reader = TestClient::new(&server);
    let mut writer = TestClient::new(&server);
    assert!(!server.tracking.any());
    reader.run(&server, "CLIENT TRACKING ON");
    assert_eq!(server.tracking.client_count(), 1);
    reader.run(&server, "MGET a b");
    reader.run(&server, "GET a");
    assert_eq!(server.tracking.key_count(), 2);
    assert_eq!(server.tracking.item_count(), 2);
    writer.run(&server, "SET a 1");
    assert_eq!(reader.pushes(), invalidation("a"));
    writer.run(&server, "SET a 2");
    assert_eq!(reader.pushes(), "", "a key is forgotten once invalidated");
    assert_eq!(server.tracking.key_count(), 1);
    // The client's own write: the message follows the reply.
    reader.run(&server, "GET c");
    assert_eq!(
        reader.run(&server, "SET c 1"),
        format!("+OK\r\n{}", invalidation("c"))
    );
}

#[test]
fn the_last_tracking_client_leaving_empties_the_table() {
    let server = server();
    let mut reader = TestClient::new(&server);
    reader.run(&server, "CLIENT TRACKING ON");
    reader.run(&server, "GET a");
    assert_eq!(server.tracking.key_count(), 1);
    reader.run(&server, "CLIENT TRACKING OFF");
    assert!(!server.tracking.any());
    assert_eq!(server.tracking.key_count(), 0);
    assert_eq!(server.tracking.item_count(), 0);
}

#[test]
fn the_key_limit_evicts_with_an_invalidation_after_the_read() {
    let server = server();
    server.tracking.set_max_keys(2);
    let mut reader = TestClient::new(&server);
    reader.run(&server, "CLIENT TRACKING ON");
    let reply = reader.run(&server, "MGET a b c");
    assert!(
        reply.starts_with("*3\r\n_\r\n_\r\n_\r\n>2\r\n$10\r\ninvalidate\r\n*1\r\n"),
        "{reply}"
    );
    assert_eq!(server.tracking.key_count(), 2);
    assert_eq!(server.tracking.over_limit_rounds.load(Ordering::Relaxed), 0);
}

#[test]
fn broadcast_batches_keys_per_prefix_in_key_order() {
    let server = server();
    let mut listener = TestClient::new(&server);
    let mut writer = TestClient::new(&server);
    listener.run(&server, "CLIENT TRACKING ON BCAST PREFIX a PREFIX b");
    assert_eq!(server.tracking.prefix_count(), 2);
    writer.run(&server, "MSET b2 1 a1 2 c 3 a0 4");
    crate::tracking::flush_broadcasts(&server, Some(writer.state.id()));
    assert_eq!(
        listener.pushes(),
        ">2\r\n$10\r\ninvalidate\r\n*2\r\n$2\r\na0\r\n$2\r\na1\r\n\
         >2\r\n$10\r\ninvalidate\r\n*1\r\n$2\r\nb2\r\n"
    );
    listener.run(&server, "RESET");
    assert_eq!(server.tracking.prefix_count(), 0);
    assert!(!server.tracking.any());
}
