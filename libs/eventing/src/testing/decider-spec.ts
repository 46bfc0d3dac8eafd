import { type Command, type Decider, type DomainEvent, fold } from '../decider/decider';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * Given/when/then specifications for deciders:
 *
 *   spec(accountDecider).given([registered()]).when(changeUsername('ada')).thenNothingHappened();
 *
 * `then` compares events by type and data (metadata ignored unless given), so tests read as the rule.
 */
export const spec = <C extends Command, E extends DomainEvent, S>(decider: Decider<C, E, S>) => ({
  given: (events: readonly E[]) => ({
    when: (command: C) => {
      const run = () => decider.decide(command, fold(decider, events));
      const strip = (es: readonly E[]) =>
        es.map((e) =>
          e.metadata === undefined
            ? { type: e.type, data: e.data }
            : { type: e.type, data: e.data, metadata: e.metadata },
        );
      return {
        then: (expected: readonly E[]) => {
          const actual = run();
          const wantsMetadata = expected.some((e) => e.metadata !== undefined);
          expect(wantsMetadata ? actual : strip(actual)).toEqual(strip(expected));
          return actual;
        },
        thenNothingHappened: () => {
          expect(run()).toEqual([]);
        },
        thenThrows: (errorClass: ErrorClass, match?: { code?: string; message?: RegExp | string }) => {
          let thrown: unknown;
          try {
            run();
          } catch (err) {
            thrown = err;
          }
          expect(thrown).toBeInstanceOf(errorClass);
          if (match?.code) expect((thrown as { code?: string }).code).toBe(match.code);
          if (match?.message) expect((thrown as Error).message).toMatch(match.message);
          return thrown;
        },
        thenState: (check: (state: S) => void) => {
          const before = fold(decider, events);
          check(decider.decide(command, before).reduce(decider.evolve, before));
        },
      };
    },
  }),
});
