// ragsync — YAMLTag: the full name of a YAML tag.

/// A YAML tag's full name, as libyaml gives it: `!!int` is `tag:yaml.org,2002:int`, and `!` stays `!`.
public struct YAMLTag: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    /// The non-specific tag `!`: a scalar written with it is a string.
    public static let nonSpecific = YAMLTag(rawValue: "!")
    public static let str = core("str")
    public static let bool = core("bool")
    public static let int = core("int")
    public static let float = core("float")
    public static let null = core("null")
    public static let timestamp = core("timestamp")
    public static let merge = core("merge")
    public static let value = core("value")
    public static let seq = core("seq")
    public static let map = core("map")

    private static func core(_ name: String) -> YAMLTag {
        YAMLTag(rawValue: "tag:yaml.org,2002:" + name)
    }
}
