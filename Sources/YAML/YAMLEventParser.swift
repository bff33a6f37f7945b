// ragsync — YAMLEventParser: libyaml's event parser, owned by a Swift class.

internal import CYAML

/// Owns a `yaml_parser_t` and the input bytes it reads, and hands out its events as Swift values.
///
/// libyaml keeps pointers to both the input and the parser itself (its read handler's data is the parser), so both
/// live at fixed heap addresses for the parser's lifetime and are freed in `deinit`.
final class YAMLEventParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    /// - Throws: ``YAMLError`` of kind `.memory` when libyaml cannot allocate its buffers.
    init(text: String) throws(YAMLError) {
        parser = .allocate(capacity: 1)
        // libyaml refuses a null input, so even an empty text gets a byte of storage.
        input = .allocate(capacity: max(text.utf8.count, 1))
        _ = input.initialize(from: text.utf8)
        guard yaml_parser_initialize(parser) == 1 else {
            parser.deallocate()
            input.deallocate()
            throw YAMLError(.memory, problem: "libyaml could not allocate a parser")
        }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, input.baseAddress, text.utf8.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// The next event of the stream.
    /// - Throws: ``YAMLError`` with libyaml's problem, context and line.
    func next() throws(YAMLError) -> YAMLEvent {
        var event = yaml_event_t()
        guard yaml_parser_parse(parser, &event) == 1 else { throw error() }
        defer { yaml_event_delete(&event) }
        let line = Int(event.start_mark.line) + 1
        switch event.type {
        case YAML_STREAM_START_EVENT: return .streamStart
        case YAML_DOCUMENT_START_EVENT: return .documentStart(line: line)
        case YAML_DOCUMENT_END_EVENT: return .documentEnd
        case YAML_ALIAS_EVENT:
            return .alias(anchor: Self.string(event.data.alias.anchor) ?? "", line: line)
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = scalar.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: Int(scalar.length)), as: UTF8.self)
            }
            let node = YAMLNode.Scalar(
                text: text ?? "", tag: Self.string(scalar.tag).map(YAMLTag.init(rawValue:)),
                style: Self.style(scalar.style), line: line)
            return .scalar(node, anchor: Self.string(scalar.anchor))
        case YAML_SEQUENCE_START_EVENT:
            let start = event.data.sequence_start
            return .sequenceStart(
                tag: Self.string(start.tag).map(YAMLTag.init(rawValue:)), anchor: Self.string(start.anchor), line: line)
        case YAML_SEQUENCE_END_EVENT: return .sequenceEnd
        case YAML_MAPPING_START_EVENT:
            let start = event.data.mapping_start
            return .mappingStart(
                tag: Self.string(start.tag).map(YAMLTag.init(rawValue:)), anchor: Self.string(start.anchor), line: line)
        case YAML_MAPPING_END_EVENT: return .mappingEnd
        default: return .streamEnd
        }
    }

    /// The parser's error, as libyaml describes it.
    private func error() -> YAMLError {
        let state = parser.pointee
        let problem = state.problem.map { String(cString: $0) } ?? "libyaml reported an error without a description"
        let context = state.context.map { String(cString: $0) }
        switch state.error {
        case YAML_MEMORY_ERROR:
            return YAMLError(.memory, problem: "libyaml ran out of memory")
        case YAML_READER_ERROR:
            return YAMLError(.reader, problem: problem)
        case YAML_SCANNER_ERROR:
            return YAMLError(.scanner, problem: problem, context: context, line: Int(state.problem_mark.line) + 1)
        default:
            return YAMLError(.parser, problem: problem, context: context, line: Int(state.problem_mark.line) + 1)
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    private static func style(_ style: yaml_scalar_style_t) -> YAMLNode.Scalar.Style {
        switch style {
        case YAML_SINGLE_QUOTED_SCALAR_STYLE: return .singleQuoted
        case YAML_DOUBLE_QUOTED_SCALAR_STYLE: return .doubleQuoted
        case YAML_LITERAL_SCALAR_STYLE: return .literal
        case YAML_FOLDED_SCALAR_STYLE: return .folded
        default: return .plain
        }
    }
}
