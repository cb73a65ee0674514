"""Kafka node emulator for the zk2kraft sandbox.

Test infrastructure only: it imitates what the collection can observe of an
Apache Kafka 3.x node during a ZooKeeper to KRaft migration. It is not Kafka.
"""

EMULATOR_NAME = "KafkaEmulator"
