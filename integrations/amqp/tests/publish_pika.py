"""Publishes CHANNEL_DESTROY events as KAZOO's ecallmgr does, with pika (not lapin).

usage: publish_pika.py AMQP_URL EXCHANGE FIXTURE RUN COUNT
       publish_pika.py --encode WORD...   (prints kz_amqp_util:encode/1 of each WORD, one a line)

Each event is the fixture with Call-ID "RUN-00000", "RUN-00001", ... (Msg-ID and Timestamp
moved on by the index, Billing-Seconds the index modulo 600), published to EXCHANGE (a topic exchange, KAZOO's `callevt`) with KAZOO's routing key
call.CHANNEL_DESTROY.<kz_amqp_util:encode(Call-ID)>, content type application/json, persistent,
with publisher confirms. Prints the number published.
"""
import json
import sys

import pika


SAFE = set(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-~_")


def encode(word):
    """KAZOO's kz_amqp_util:encode/1: byte by byte over the UTF-8 text, [a-zA-Z0-9-~_] kept,
    a space as "+", any other byte as "%XX" (upper-case hex); "", "*" and "#" kept whole."""
    if word in ("", "*", "#"):
        return word
    out = []
    for byte in word.encode("utf-8"):
        if byte in SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append("%%%02X" % byte)
    return "".join(out)


def main():
    if sys.argv[1:2] == ["--encode"]:
        # One encoded word a line, for the tests that compare encodings.
        for word in sys.argv[2:]:
            print(encode(word))
        return
    url, exchange, fixture, run = sys.argv[1:5]
    count = int(sys.argv[5])
    with open(fixture, encoding="utf-8") as f:
        base = json.load(f)
    connection = pika.BlockingConnection(pika.URLParameters(url))
    channel = connection.channel()
    channel.exchange_declare(exchange=exchange, exchange_type="topic")
    channel.confirm_delivery()
    for i in range(count):
        event = json.loads(json.dumps(base))
        call_id = "%s-%05d" % (run, i)
        event["Call-ID"] = call_id
        event["Custom-Channel-Vars"]["Bridge-ID"] = call_id
        event["Msg-ID"] = str(1443672788333353 + i)
        event["Timestamp"] = base["Timestamp"] + i
        event["Billing-Seconds"] = str(i % 600)
        channel.basic_publish(
            exchange=exchange,
            routing_key="call.CHANNEL_DESTROY." + encode(call_id),
            body=json.dumps(event),
            properties=pika.BasicProperties(content_type="application/json", delivery_mode=2),
            mandatory=True,
        )
    connection.close()
    print(count)


if __name__ == "__main__":
    main()
