"""Publishes CHANNEL_DESTROY events as KAZOO's ecallmgr does, with pika (not lapin).

usage: publish_pika.py AMQP_URL EXCHANGE FIXTURE RUN COUNT

Each event is the fixture with Call-ID "RUN-00000", "RUN-00001", ... (Msg-ID and Timestamp
moved on by the index, Billing-Seconds the index modulo 600), published to EXCHANGE (a topic exchange, KAZOO's `callevt`) with KAZOO's routing key
call.CHANNEL_DESTROY.<amqp_util:encode(Call-ID)>, content type application/json, persistent,
with publisher confirms. Prints the number published.
"""
import json
import sys

import pika


def encode(call_id):
    return call_id.replace(".", "%2E").replace("*", "%2A").replace("#", "%23")


def main():
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
