// ragsync — journal field names, priorities, and the choice between the journal and stderr.

import Logging
import Systemd
import Testing

@Suite("Journal log handler")
struct JournalLogHandlerTests {
    @Test(arguments: [
        ("document", "DOCUMENT"), ("chunks_inserted", "CHUNKS_INSERTED"), ("duration.ms", "DURATION_MS"),
        ("_private", "PRIVATE"), ("1st", "ST"),
    ])
    func metadataKeysBecomeValidJournalFieldNames(key: String, field: String) {
        #expect(JournalLogHandler.fieldName(for: key) == field)
    }

    @Test func aKeyWithNothingValidIsDropped() {
        #expect(JournalLogHandler.fieldName(for: "__") == nil)
    }

    @Test func levelsMapToSyslogPriorities() {
        #expect(JournalLogHandler.priority(of: .error) == 3)
        #expect(JournalLogHandler.priority(of: .warning) == 4)
        #expect(JournalLogHandler.priority(of: .info) == 6)
        #expect(JournalLogHandler.priority(of: .debug) == 7)
    }

    @Test func stderrIsNotTheJournalWithoutAMatchingJournalStream() {
        // The test runner's stderr is a pipe or terminal, never the stream JOURNAL_STREAM would name.
        #expect(!JournalLogHandler.isStderrConnectedToJournal())
    }
}
