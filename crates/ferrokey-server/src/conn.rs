//! One client connection: read, parse, execute, write, until the client leaves or is killed.
//!
//! Each connection is a task. A read appends to the query buffer; every complete request in it
//! runs in order (pipelining) and its reply is appended to the output buffer; the output is
//! written once per read, so a pipeline of N commands costs one write. A client that does not
//! read its replies blocks only its own task: we stop reading its requests while its output
//! cannot be written, which bounds its buffers. Asynchronous output (MONITOR) arrives through the
//! client handle's channel and is written between requests.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use ferrokey_resp::{ParserConfig, Protocol, ReplyBuf, RequestParser};
use smallvec::SmallVec;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::client::{ClientHandle, ClientState};
use crate::dispatch;
use crate::push_queue::PushReceiver;
use crate::server::{Server, Stats};

/// Bytes requested from the socket per read when no large argument is pending.
const READ_CHUNK_BYTES: usize = 16 * 1024;
/// Output written mid-pipeline once it grows past this, so one pipeline cannot hold huge replies.
const OUTPUT_FLUSH_THRESHOLD_BYTES: usize = 1024 * 1024;
/// Capacity kept for an idle connection's buffers after a large request or reply.
const IDLE_BUFFER_KEEP_BYTES: usize = 16 * 1024;

pub async fn serve<S>(
    server: Arc<Server>,
    mut stream: S,
    handle: Arc<ClientHandle>,
    mut pushes: PushReceiver,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let authenticated = server.config.read().requirepass().is_none();
    let mut client = ClientState::new(handle.clone(), authenticated);
    let mut parser = RequestParser::new(parser_config(&server));
    parser.set_authenticated(authenticated);
    let mut query: Vec<u8> = Vec::with_capacity(READ_CHUNK_BYTES);
    let mut out = ReplyBuf::new(Protocol::Resp2);
    loop {
        let idle_secs = server.settings.idle_timeout_secs.load(Ordering::Relaxed);
        let want = parser
            .bulk_bytes_missing(query.len())
            .unwrap_or(0)
            .max(READ_CHUNK_BYTES);
        query.reserve(want.min(64 * 1024 * 1024));
        let read = tokio::select! {
            biased;
            push = pushes.recv() => {
                let mut open = push.is_some_and(|push| push.append_to(&mut out, &handle));
                // The messages of the other publishers this worker serves before it idles
                // join this write, as Valkey writes once per event loop.
                if open {
                    crate::idle::until_idle().await;
                }
                // What stays queued is shared with other receivers; copies are made only as
                // fast as the socket takes them.
                while out.len() < OUTPUT_FLUSH_THRESHOLD_BYTES {
                    let Some(push) = pushes.try_recv() else { break };
                    open &= push.append_to(&mut out, &handle);
                }
                if !open || flush(&server, &mut stream, &mut out, &handle).await.is_err() {
                    break;
                }
                continue;
            }
            read = stream.read_buf(&mut query) => read,
            // Subscribers, like MONITOR clients, wait for the server and never time out.
            _ = idle_timer(idle_secs, &handle), if idle_secs > 0
                && !handle.is_monitor.load(Ordering::Relaxed)
                && !handle.pubsub.is_subscribed() => break,
        };
        let n = match read {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        server.stats.total_net_input_bytes.add(n as u64);
        handle
            .net_input_bytes
            .fetch_add(n as u64, Ordering::Relaxed);
        // One clock read serves both the idle time and the first command's start.
        let read_at = crate::clock::MonotonicNs::now();
        client.pipeline_clock = Some(read_at);
        handle.touch(server.unix_ms_at(read_at));
        let mut end = run_pipeline(&server, &mut client, &mut parser, &query, &mut out);
        loop {
            if end == PipelineEnd::Postponed {
                // CLIENT PAUSE holds the command: wait, then run it and go on.
                let flushed = flush(&server, &mut stream, &mut out, &handle).await.is_ok();
                if !flushed
                    || !wait_pause_end(
                        &server,
                        &handle,
                        &mut stream,
                        &mut query,
                        &mut pushes,
                        &mut out,
                    )
                    .await
                {
                    end = PipelineEnd::Close;
                    break;
                }
                end = run_postponed(&server, &mut client, &mut out);
                if end == PipelineEnd::NeedMore {
                    end = run_pipeline(&server, &mut client, &mut parser, &query, &mut out);
                }
                continue;
            }
            let resume = match end {
                PipelineEnd::Blocked => {
                    wait_unblocked(
                        &server,
                        &mut client,
                        &mut stream,
                        &mut query,
                        &mut pushes,
                        &mut out,
                    )
                    .await
                }
                PipelineEnd::OutputFull => {
                    flush(&server, &mut stream, &mut out, &handle).await.is_ok()
                }
                PipelineEnd::NeedMore | PipelineEnd::Close | PipelineEnd::Postponed => break,
            };
            if !resume {
                end = PipelineEnd::Close;
                break;
            }
            end = run_pipeline(&server, &mut client, &mut parser, &query, &mut out);
        }
        let protocol_error = end == PipelineEnd::Close;
        // Time between reads belongs to no command.
        client.pipeline_clock = None;
        parser.compact(&mut query);
        handle
            .query_buffer_bytes
            .store(query.len() as u64, Ordering::Relaxed);
        if parser.query_buffer_over_limit(query.len()) {
            Stats::add(&server.stats.client_query_buffer_limit_disconnections, 1);
            break;
        }
        if server.tracking.any() {
            // BCAST invalidations of the keys this batch changed follow its replies.
            crate::tracking::flush_broadcasts(&server, Some(handle.id));
            handle.pubsub.append_deferred(&mut out);
        }
        if flush(&server, &mut stream, &mut out, &handle)
            .await
            .is_err()
        {
            break;
        }
        if protocol_error || client.close_after_reply || handle.is_killed() {
            break;
        }
        crate::idle::pass_done();
        if query.is_empty() && query.capacity() > IDLE_BUFFER_KEEP_BYTES * 4 {
            query = Vec::with_capacity(READ_CHUNK_BYTES);
        }
        out.shrink_if_idle(IDLE_BUFFER_KEEP_BYTES * 4);
    }
    crate::pubsub::unsubscribe_all(&server, &handle);
    take_postponed(&server, &mut client);
    crate::tracking::disable(&server, &handle);
    let _ = stream.shutdown().await;
    crate::commands::transaction::reset_transaction(&server, &mut client);
    server.clients.unregister(handle.id);
}

/// Why `run_pipeline` stopped.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PipelineEnd {
    /// Every complete request ran (or the client must be closed after the reply, which the
    /// caller checks).
    NeedMore,
    /// A command blocked the client: the requests after it wait.
    Blocked,
    /// The replies so far are large enough to send before going on.
    OutputFull,
    /// CLIENT PAUSE holds a command (`ClientState::postponed`): the pipeline waits for it.
    Postponed,
    /// A protocol error, or the connection failed: close (after replying, if possible).
    Close,
}

/// Runs every complete request in the query buffer, in order. The parser keeps its place
/// across calls, so a pipeline interrupted by a blocked command resumes after it.
fn run_pipeline(
    server: &Server,
    client: &mut ClientState,
    parser: &mut RequestParser,
    query: &[u8],
    out: &mut ReplyBuf,
) -> PipelineEnd {
    // Dropped on every return: locks never outlive this synchronous pass.
    let mut held = dispatch::HeldLocks::new();
    loop {
        if client.authenticated != parser.config().authenticated {
            parser.set_authenticated(client.authenticated);
        }
        match parser.parse(query) {
            Ok(Some(request)) => {
                // Filled in place: collecting would build the vector elsewhere and copy it.
                let mut args: SmallVec<[&[u8]; 8]> = SmallVec::new();
                args.extend(request.iter());
                dispatch::execute_pipelined(server, client, &args, out, &mut held);
                // Pushes the command produced for this client follow its reply.
                client.handle.pubsub.append_deferred(out);
                if client.protocol != out.protocol() {
                    out.set_protocol(client.protocol);
                }
                if client.blocked.is_some() {
                    return PipelineEnd::Blocked;
                }
                if client.postponed.is_some() {
                    return PipelineEnd::Postponed;
                }
                if client.close_after_reply || client.handle.is_killed() {
                    return PipelineEnd::NeedMore;
                }
                if out.len() > OUTPUT_FLUSH_THRESHOLD_BYTES {
                    return PipelineEnd::OutputFull;
                }
            }
            Ok(None) => return PipelineEnd::NeedMore,
            Err(error) => {
                let start = out.len();
                error.write_reply(out);
                dispatch::count_error_reply(server, out, start);
                client.set_close_after_reply();
                return PipelineEnd::Close;
            }
        }
    }
}

/// Waits while the client is blocked on keys, sending what it has replied so far. Its input
/// keeps being read into the query buffer (as Redis does), so a disconnection is noticed.
/// Returns false when the connection must close.
async fn wait_unblocked<S: AsyncRead + AsyncWrite + Unpin>(
    server: &Server,
    client: &mut ClientState,
    stream: &mut S,
    query: &mut Vec<u8>,
    pushes: &mut PushReceiver,
    out: &mut ReplyBuf,
) -> bool {
    let Some(waiter) = client.blocked.take() else {
        return true;
    };
    let handle = client.handle.clone();
    let mut open = flush(server, stream, out, &handle).await.is_ok();
    let mut end = None;
    while open {
        tokio::select! {
            biased;
            finished = waiter.wait() => {
                // Messages queued before the client was served (the feeding write's keyspace
                // events among them) precede its reply, as in Valkey.
                while let Some(push) = pushes.try_recv() {
                    if !push.append_to(out, &handle) {
                        open = false;
                        break;
                    }
                }
                end = Some(finished);
                break;
            }
            push = pushes.recv() => {
                open = push.is_some_and(|push| push.append_to(out, &handle))
                    && flush(server, stream, out, &handle).await.is_ok();
            }
            read = stream.read_buf(query) => match read {
                Ok(n) if n > 0 => {
                    server.stats.total_net_input_bytes.add(n as u64);
                    handle.net_input_bytes.fetch_add(n as u64, Ordering::Relaxed);
                    open = query.len() <= parser_config(server).query_buffer_limit;
                }
                _ => open = false,
            },
        }
    }
    crate::commands::blocking::finish_wait(server, client, &waiter, end, out);
    handle.pubsub.append_deferred(out);
    open && !handle.is_killed()
}

/// Runs the command CLIENT PAUSE held, once the pause is over (it may be held again).
fn run_postponed(server: &Server, client: &mut ClientState, out: &mut ReplyBuf) -> PipelineEnd {
    let Some(args) = take_postponed(server, client) else {
        return PipelineEnd::NeedMore;
    };
    let args: SmallVec<[&[u8]; 8]> = args.iter().map(Vec::as_slice).collect();
    dispatch::execute(server, client, &args, out);
    client.handle.pubsub.append_deferred(out);
    if client.protocol != out.protocol() {
        out.set_protocol(client.protocol);
    }
    if client.blocked.is_some() {
        PipelineEnd::Blocked
    } else if client.postponed.is_some() {
        PipelineEnd::Postponed
    } else {
        PipelineEnd::NeedMore
    }
}

/// Takes the command CLIENT PAUSE held, if any, ending the client's blocked state.
fn take_postponed(server: &Server, client: &mut ClientState) -> Option<Vec<Vec<u8>>> {
    let args = client.postponed.take()?;
    client.handle.paused.store(false, Ordering::Relaxed);
    server
        .blocking
        .blocked_clients
        .fetch_sub(1, Ordering::Relaxed);
    Some(args)
}

/// Waits for the pause to end; false when the client is killed or disconnects meanwhile
/// (its held command then never runs). Input keeps being read, as while blocked.
async fn wait_pause_end<S: AsyncRead + AsyncWrite + Unpin>(
    server: &Server,
    handle: &ClientHandle,
    stream: &mut S,
    query: &mut Vec<u8>,
    pushes: &mut PushReceiver,
    out: &mut ReplyBuf,
) -> bool {
    loop {
        tokio::select! {
            _ = server.pause.wait() => return true,
            // Messages keep flowing while the client's own command is held, as in Valkey.
            push = pushes.recv() => {
                let open = push.is_some_and(|push| push.append_to(out, handle));
                if !open || flush(server, stream, out, handle).await.is_err() {
                    return false;
                }
            }
            read = stream.read_buf(query) => match read {
                Ok(n) if n > 0 && query.len() <= parser_config(server).query_buffer_limit => {
                    server.stats.total_net_input_bytes.add(n as u64);
                }
                _ => return false,
            },
        }
    }
}

fn parser_config(server: &Server) -> ParserConfig {
    ParserConfig {
        max_bulk_len: server
            .settings
            .proto_max_bulk_len_bytes
            .load(Ordering::Relaxed) as usize,
        query_buffer_limit: server
            .settings
            .client_query_buffer_limit_bytes
            .load(Ordering::Relaxed) as usize,
        ..ParserConfig::default()
    }
}

async fn idle_timer(idle_secs: u64, handle: &ClientHandle) {
    loop {
        let idle = handle.idle_secs().max(0) as u64;
        if idle >= idle_secs {
            return;
        }
        tokio::time::sleep(Duration::from_secs(idle_secs - idle)).await;
    }
}

async fn flush<S: AsyncWrite + Unpin>(
    server: &Server,
    stream: &mut S,
    out: &mut ReplyBuf,
    handle: &ClientHandle,
) -> std::io::Result<()> {
    if out.is_empty() {
        return Ok(());
    }
    handle
        .output_buffer_bytes
        .store(out.len() as u64, Ordering::Relaxed);
    // A killed client is not written to any more: one that stopped reading would hold the
    // task in this write forever.
    tokio::select! {
        biased;
        written = stream.write_all(out.as_bytes()) => written?,
        () = handle.killed() => return Err(std::io::ErrorKind::ConnectionAborted.into()),
    }
    let n = out.len() as u64;
    server.stats.total_net_output_bytes.add(n);
    handle.net_output_bytes.fetch_add(n, Ordering::Relaxed);
    handle.output_buffer_bytes.store(0, Ordering::Relaxed);
    out.clear();
    Ok(())
}
