"""The emulator's Raft votes like Kafka 3.9's KafkaRaftClient.handleVoteRequest.

A Vote with a higher epoch moves the receiver to that epoch even when it leads a live quorum: 3.9 has no
pre-vote. The emulator once refused it, so a controller that lost an early election stayed at a higher epoch
than the leader's and never followed it (a flaky rack-roll run: one controller never saw a leader).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))
from kafka_emulator.common import EmuLog  # noqa: E402
from kafka_emulator.raft import Raft, RaftLog  # noqa: E402

pytestmark = pytest.mark.emulator_only("calls the emulator's Raft directly")

VOTERS = {1: ("127.0.0.1", 1), 2: ("127.0.0.1", 2), 3: ("127.0.0.1", 3)}


def leader_of_live_quorum(tmp_path: Path, epoch: int) -> Raft:
    raft = Raft(1, VOTERS, RaftLog(tmp_path / "meta"), EmuLog(None, echo=None),
                on_leader=lambda e: None, on_resign=lambda: None, on_replicated=lambda: None)
    raft.epoch, raft.role, raft.leader_id = epoch, "leader", 1
    raft.log.append(epoch, {"type": "LeaderChange", "leader": 1, "voters": [1, 2, 3]})
    now = 10 ** 15  # every follower fetched "just now": the quorum is alive
    raft.progress = {2: {"leo": 1, "last_fetch": now, "last_caught_up": now},
                     3: {"leo": 1, "last_fetch": now, "last_caught_up": now}}
    return raft


def vote(raft: Raft, candidate: int, epoch: int, last_epoch: int, end_offset: int) -> dict[str, object]:
    return raft.handle({"op": "raft_vote", "candidate": candidate, "epoch": epoch,
                        "last_epoch": last_epoch, "end_offset": end_offset})


def test_a_live_leader_takes_a_higher_epoch_from_a_stale_candidate_and_refuses_it_the_vote(tmp_path: Path) -> None:
    raft = leader_of_live_quorum(tmp_path, epoch=1)
    # Voter 2 lost two elections while starting and is at epoch 4 with an empty log.
    answer = vote(raft, candidate=2, epoch=4, last_epoch=0, end_offset=0)
    assert answer == {"granted": False, "epoch": 4}
    assert (raft.epoch, raft.role, raft.leader_id) == (4, "unattached", -1)


def test_a_live_leader_grants_a_higher_epoch_to_an_up_to_date_candidate(tmp_path: Path) -> None:
    raft = leader_of_live_quorum(tmp_path, epoch=1)
    answer = vote(raft, candidate=3, epoch=2, last_epoch=1, end_offset=1)
    assert answer == {"granted": True, "epoch": 2}
    assert (raft.epoch, raft.voted_for) == (2, 3)


def test_a_vote_of_a_lower_epoch_changes_nothing(tmp_path: Path) -> None:
    raft = leader_of_live_quorum(tmp_path, epoch=5)
    assert vote(raft, candidate=2, epoch=4, last_epoch=1, end_offset=9) == {"granted": False, "epoch": 5}
    assert (raft.epoch, raft.role, raft.leader_id) == (5, "leader", 1)
