/**
 * A partition leader reports a reassignment complete (after which removed replicas delete their
 * data) only once the membership change is committed, not when it is merely appended: the chaos
 * harness found a leader elected without committed entries when an uncommitted removal was reported.
 */
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import type { GroupId } from '../../src/core/index.js';
import { PartitionDuties } from '../../src/broker/partition-duties.js';
import type { GroupStatus, MultiRaft } from '../../src/multiraft/index.js';
import { StateType, type ConfState } from '../../src/raft/index.js';
import { cluster, mustApply, uuid } from '../metadata/helpers.js';

const groupId = 1 as GroupId;

function leaderStatus(confState: ConfState, committedConfState: ConfState): GroupStatus {
  return {
    id: 1,
    hardState: { term: 4, vote: 1, commit: 10 },
    softState: { lead: 1, state: StateType.Leader },
    applied: 10,
    lastIndex: 11,
    confState,
    committedConfState,
    matches: new Map([[1, 11], [3, 11]]),
  } as unknown as GroupStatus;
}

/** Only status() is used by completedReassignments. */
function dutiesWith(status: GroupStatus): PartitionDuties {
  const mr = { status: (g: GroupId) => (g === groupId ? status : undefined) } as unknown as MultiRaft;
  return new PartitionDuties(1, mr, pino({ level: 'silent' }));
}

describe('reassignment completion', () => {
  let image = cluster(3);
  image = mustApply(image, { type: 'CreateTopic', name: 'a', topicId: uuid(1), replicationFactor: 3, configs: {}, assignments: [[1, 2, 3]] });
  image = mustApply(image, { type: 'ReassignPartition', groupId: 1, targetReplicas: [1, 3] });
  const removed: ConfState = { voters: [1, 3], learners: [] };
  const before: ConfState = { voters: [1, 2, 3], learners: [] };

  it('is not reported while the removal is appended but not committed', () => {
    expect(dutiesWith(leaderStatus(removed, before)).completedReassignments(image, [groupId])).toEqual([]);
  });

  it('is reported once the removal is committed', () => {
    expect(dutiesWith(leaderStatus(removed, removed)).completedReassignments(image, [groupId])).toEqual([{ groupId, targetReplicas: [1, 3] }]);
  });
});
