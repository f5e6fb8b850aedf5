"""The documentation example with redis-py against a server at the given port: strings with EX,
hashes, lists, a MULTI/EXEC pipeline, and PubSub while the main client publishes. Exits non-zero
(with the reason) on any difference."""

import sys
import time

import redis


def main(port: int) -> None:
    client = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    assert client.set("greeting", "hello", ex=60) is True
    assert client.get("greeting") == "hello"
    assert 0 < client.ttl("greeting") <= 60

    assert client.hset("user:1", mapping={"name": "Ada", "lang": "en"}) == 2
    assert client.hgetall("user:1") == {"name": "Ada", "lang": "en"}

    assert client.lpush("jobs", "a", "b", "c") == 3
    assert client.lrange("jobs", 0, -1) == ["c", "b", "a"]

    with client.pipeline(transaction=True) as pipe:
        pipe.incr("visits").incr("visits").get("visits")
        assert pipe.execute() == [1, 2, "2"]

    # WATCH: a change by another client makes the transaction fail.
    other = redis.Redis(host="127.0.0.1", port=port, decode_responses=True)
    with client.pipeline(transaction=True) as pipe:
        pipe.watch("visits")
        other.set("visits", 100)
        pipe.multi()
        pipe.incr("visits")
        try:
            pipe.execute()
            raise AssertionError("EXEC should have failed after a watched key changed")
        except redis.WatchError:
            pass

    pubsub = client.pubsub()
    pubsub.subscribe("news")
    confirmation = pubsub.get_message(timeout=5)
    assert confirmation == {"type": "subscribe", "pattern": None, "channel": "news", "data": 1}, confirmation
    assert other.publish("news", "first") == 1
    assert other.publish("news", "second") == 1
    messages = []
    deadline = time.monotonic() + 10
    while len(messages) < 2 and time.monotonic() < deadline:
        message = pubsub.get_message(timeout=1)
        if message is not None:
            messages.append((message["type"], message["channel"], message["data"]))
    assert messages == [("message", "news", "first"), ("message", "news", "second")], messages
    pubsub.close()
    print("redis-py docs example: ok")


if __name__ == "__main__":
    main(int(sys.argv[1]))
