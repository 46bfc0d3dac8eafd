import type { Position } from '../event';
import { type CheckpointStore, validateCheckpoint } from '../checkpoint-store.port';

/** Checkpoints in process memory: for unit tests and the embedded mode's rebuilt-at-boot read models. */
export class InMemoryCheckpointStore implements CheckpointStore {
  private readonly positions = new Map<string, Position>();

  async load(name: string): Promise<Position | undefined> {
    validateCheckpoint(name);
    return this.positions.get(name);
  }

  async save(name: string, position: Position): Promise<void> {
    validateCheckpoint(name, position);
    this.positions.set(name, position);
  }
}
