// ragsync — PostgresStatement: one parameterized statement, to be sent with others in a pipeline.

/// A statement and its parameters, as ``PostgresConnection/query(_:_:)`` takes them, held until a
/// ``PostgresConnection/pipeline(_:)`` sends it.
public struct PostgresStatement {
    public var sql: String
    public var parameters: [any PostgresEncodable]

    public init(_ sql: String, _ parameters: [any PostgresEncodable] = []) {
        self.sql = sql
        self.parameters = parameters
    }
}
