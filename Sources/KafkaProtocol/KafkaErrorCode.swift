/// A Kafka protocol error code with its name and whether retrying can help.
public struct KafkaErrorCode: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: Int16

    public init(_ rawValue: Int16) { self.rawValue = rawValue }

    public static let none = KafkaErrorCode(0)
    public static let unknownServerError = KafkaErrorCode(-1)
    public static let offsetOutOfRange = KafkaErrorCode(1)
    public static let unknownTopicOrPartition = KafkaErrorCode(3)
    public static let leaderNotAvailable = KafkaErrorCode(5)
    public static let notLeaderOrFollower = KafkaErrorCode(6)
    public static let requestTimedOut = KafkaErrorCode(7)
    public static let coordinatorLoadInProgress = KafkaErrorCode(14)
    public static let coordinatorNotAvailable = KafkaErrorCode(15)
    public static let notCoordinator = KafkaErrorCode(16)
    public static let topicAuthorizationFailed = KafkaErrorCode(29)
    public static let groupAuthorizationFailed = KafkaErrorCode(30)
    public static let clusterAuthorizationFailed = KafkaErrorCode(31)
    public static let unsupportedSaslMechanism = KafkaErrorCode(33)
    public static let illegalSaslState = KafkaErrorCode(34)
    public static let unsupportedVersion = KafkaErrorCode(35)
    public static let saslAuthenticationFailed = KafkaErrorCode(58)
    public static let groupIdNotFound = KafkaErrorCode(69)

    public var isError: Bool { rawValue != 0 }

    public var name: String {
        let index = Int(rawValue) + 1
        if index >= 0 && index < Self.names.count { return Self.names[index] }
        return "UNKNOWN_ERROR_CODE_\(rawValue)"
    }

    /// Retriable per Kafka's RetriableException hierarchy: a metadata refresh, a new
    /// coordinator or a short wait can fix these.
    public var isRetriable: Bool { Self.retriable.contains(rawValue) }

    /// A refresh of metadata (leaders) or of the coordinator should precede the retry.
    public var needsMetadataRefresh: Bool {
        [3, 5, 6, 15, 16, 74, 75, 100, 103].contains(rawValue)
    }

    public var description: String { "\(name) (\(rawValue))" }

    private static let retriable: Set<Int16> = [
        2, 3, 5, 6, 7, 9, 13, 14, 15, 16, 19, 20, 41, 51, 56, 70, 71, 72, 74, 75, 78, 80, 83, 84, 88, 89, 100, 103,
        106,
    ]

    /// Names by code, from -1.
    private static let names: [String] = [
        "UNKNOWN_SERVER_ERROR", "NONE", "OFFSET_OUT_OF_RANGE", "CORRUPT_MESSAGE", "UNKNOWN_TOPIC_OR_PARTITION",
        "INVALID_FETCH_SIZE", "LEADER_NOT_AVAILABLE", "NOT_LEADER_OR_FOLLOWER", "REQUEST_TIMED_OUT",
        "BROKER_NOT_AVAILABLE", "REPLICA_NOT_AVAILABLE", "MESSAGE_TOO_LARGE", "STALE_CONTROLLER_EPOCH",
        "OFFSET_METADATA_TOO_LARGE", "NETWORK_EXCEPTION", "COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE",
        "NOT_COORDINATOR", "INVALID_TOPIC_EXCEPTION", "RECORD_LIST_TOO_LARGE", "NOT_ENOUGH_REPLICAS",
        "NOT_ENOUGH_REPLICAS_AFTER_APPEND", "INVALID_REQUIRED_ACKS", "ILLEGAL_GENERATION",
        "INCONSISTENT_GROUP_PROTOCOL", "INVALID_GROUP_ID", "UNKNOWN_MEMBER_ID", "INVALID_SESSION_TIMEOUT",
        "REBALANCE_IN_PROGRESS", "INVALID_COMMIT_OFFSET_SIZE", "TOPIC_AUTHORIZATION_FAILED",
        "GROUP_AUTHORIZATION_FAILED", "CLUSTER_AUTHORIZATION_FAILED", "INVALID_TIMESTAMP",
        "UNSUPPORTED_SASL_MECHANISM", "ILLEGAL_SASL_STATE", "UNSUPPORTED_VERSION", "TOPIC_ALREADY_EXISTS",
        "INVALID_PARTITIONS", "INVALID_REPLICATION_FACTOR", "INVALID_REPLICA_ASSIGNMENT", "INVALID_CONFIG",
        "NOT_CONTROLLER", "INVALID_REQUEST", "UNSUPPORTED_FOR_MESSAGE_FORMAT", "POLICY_VIOLATION",
        "OUT_OF_ORDER_SEQUENCE_NUMBER", "DUPLICATE_SEQUENCE_NUMBER", "INVALID_PRODUCER_EPOCH", "INVALID_TXN_STATE",
        "INVALID_PRODUCER_ID_MAPPING", "INVALID_TRANSACTION_TIMEOUT", "CONCURRENT_TRANSACTIONS",
        "TRANSACTION_COORDINATOR_FENCED", "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", "SECURITY_DISABLED",
        "OPERATION_NOT_ATTEMPTED", "KAFKA_STORAGE_ERROR", "LOG_DIR_NOT_FOUND", "SASL_AUTHENTICATION_FAILED",
        "UNKNOWN_PRODUCER_ID", "REASSIGNMENT_IN_PROGRESS", "DELEGATION_TOKEN_AUTH_DISABLED",
        "DELEGATION_TOKEN_NOT_FOUND", "DELEGATION_TOKEN_OWNER_MISMATCH", "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED",
        "DELEGATION_TOKEN_AUTHORIZATION_FAILED", "DELEGATION_TOKEN_EXPIRED", "INVALID_PRINCIPAL_TYPE",
        "NON_EMPTY_GROUP", "GROUP_ID_NOT_FOUND", "FETCH_SESSION_ID_NOT_FOUND", "INVALID_FETCH_SESSION_EPOCH",
        "LISTENER_NOT_FOUND", "TOPIC_DELETION_DISABLED", "FENCED_LEADER_EPOCH", "UNKNOWN_LEADER_EPOCH",
        "UNSUPPORTED_COMPRESSION_TYPE", "STALE_BROKER_EPOCH", "OFFSET_NOT_AVAILABLE", "MEMBER_ID_REQUIRED",
        "PREFERRED_LEADER_NOT_AVAILABLE", "GROUP_MAX_SIZE_REACHED", "FENCED_INSTANCE_ID",
        "ELIGIBLE_LEADERS_NOT_AVAILABLE", "ELECTION_NOT_NEEDED", "NO_REASSIGNMENT_IN_PROGRESS",
        "GROUP_SUBSCRIBED_TO_TOPIC", "INVALID_RECORD", "UNSTABLE_OFFSET_COMMIT", "THROTTLING_QUOTA_EXCEEDED",
        "PRODUCER_FENCED", "RESOURCE_NOT_FOUND", "DUPLICATE_RESOURCE", "UNACCEPTABLE_CREDENTIAL",
        "INCONSISTENT_VOTER_SET", "INVALID_UPDATE_VERSION", "FEATURE_UPDATE_FAILED",
        "PRINCIPAL_DESERIALIZATION_FAILURE", "SNAPSHOT_NOT_FOUND", "POSITION_OUT_OF_RANGE", "UNKNOWN_TOPIC_ID",
        "DUPLICATE_BROKER_REGISTRATION", "BROKER_ID_NOT_REGISTERED", "INCONSISTENT_TOPIC_ID",
        "INCONSISTENT_CLUSTER_ID", "TRANSACTIONAL_ID_NOT_FOUND", "FETCH_SESSION_TOPIC_ID_ERROR",
        "INELIGIBLE_REPLICA", "NEW_LEADER_ELECTED", "OFFSET_MOVED_TO_TIERED_STORAGE", "FENCED_MEMBER_EPOCH",
        "UNRELEASED_INSTANCE_ID", "UNSUPPORTED_ASSIGNOR", "STALE_MEMBER_EPOCH",
    ]
}
