// ragsync — YAMLEvent: one libyaml parser event as a Swift value.

/// One libyaml event, copied out of C memory.
enum YAMLEvent {
    case streamStart, streamEnd, documentEnd
    case documentStart(line: Int)
    case alias(anchor: String, line: Int)
    case scalar(YAMLNode.Scalar, anchor: String?)
    case sequenceStart(tag: YAMLTag?, anchor: String?, line: Int)
    case sequenceEnd
    case mappingStart(tag: YAMLTag?, anchor: String?, line: Int)
    case mappingEnd
}
