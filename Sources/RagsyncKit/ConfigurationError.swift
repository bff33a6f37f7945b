// ragsync — ConfigurationError: a missing or malformed setting, reported once and exiting with EX_CONFIG.

/// A setting is missing or malformed. The daemon exits with status 78 (EX_CONFIG), which the systemd unit lists in
/// `RestartPreventExitStatus=` so a broken configuration does not restart in a loop.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    /// The exit status for configuration errors: `EX_CONFIG` from sysexits.h.
    public static let exitStatus: Int32 = 78

    /// The setting involved, as the user wrote it: the environment variable and its flag.
    public var setting: String
    /// What is wrong and what to do; never contains the setting's value when it is a secret.
    public var problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "\(setting): \(problem)" }
}
