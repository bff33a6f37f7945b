// ragsync — StatementPreparation: whether the clients of one database prepare statements, learned once for all.

import Synchronization

/// Whether the clients made for one database URL prepare their statements by name, shared by all of them.
///
/// Through a transaction pooler a prepared statement may be missing from the next transaction's server session (see
/// ``PostgresConnection/preparesStatements``). The first connection that meets such a refusal turns preparing off
/// here, for every client sharing this value: the daemon's writers opened for the next bulk pass start unnamed
/// instead of each being refused once more, and `whenTurnedOff` runs once, to say so in the log.
public final class StatementPreparation: Sendable {
    private let isOn: Mutex<Bool>
    private let whenTurnedOff: @Sendable () -> Void

    /// - Parameters:
    ///   - isOn: false when the URL is known to be a pooler's.
    ///   - whenTurnedOff: called once, when a connection first finds that statements must go unnamed.
    public init(isOn: Bool = true, whenTurnedOff: @escaping @Sendable () -> Void = {}) {
        self.isOn = Mutex(isOn)
        self.whenTurnedOff = whenTurnedOff
    }

    /// Whether new connections prepare statements.
    public var preparesStatements: Bool {
        isOn.withLock { $0 }
    }

    /// Turns preparing off for every client sharing this value; the first call runs `whenTurnedOff`.
    func turnOff() {
        let wasOn = isOn.withLock { isOn in
            defer { isOn = false }
            return isOn
        }
        if wasOn { whenTurnedOff() }
    }
}
