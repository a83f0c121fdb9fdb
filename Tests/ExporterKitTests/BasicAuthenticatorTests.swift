import Foundation
import Synchronization
import Testing

@testable import ExporterKit

private func basic(_ user: String, _ password: String) -> String {
    "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
}

@Test func htpasswdHashesVerifyInAllBcryptSpellings() throws {
    let hash = try htpasswdHash(user: "prometheus", password: "s3cret")
    #expect(hash.hasPrefix("$2y$04$"))
    #expect(BasicAuthenticator.isSupportedHash(hash))
    for prefix in ["$2y$", "$2a$", "$2b$"] {
        let variant = prefix + hash.dropFirst(4)
        let auth = BasicAuthenticator(users: ["prometheus": variant])
        #expect(auth.authorize(header: basic("prometheus", "s3cret")), "\(prefix)")
        #expect(!auth.authorize(header: basic("prometheus", "s3cret ")), "\(prefix)")
        #expect(!auth.authorize(header: basic("prometheus", "S3cret")), "\(prefix)")
    }
}

@Test func wrongPasswordUnknownUserAndMissingHeader() throws {
    let auth = BasicAuthenticator(users: ["user": samplePasswordHash])
    #expect(auth.isEnabled)
    #expect(auth.authorize(header: basic("user", "pw")))
    #expect(!auth.authorize(header: basic("user", "wrong")))
    #expect(!auth.authorize(header: basic("User", "pw")))
    #expect(!auth.authorize(header: basic("other", "pw")))
    #expect(!auth.authorize(header: basic("user", "")))
    #expect(!auth.authorize(header: nil))
}

@Test func cachedSuccessDoesNotLeakToOtherPasswords() throws {
    let auth = BasicAuthenticator(users: ["user": samplePasswordHash])
    #expect(auth.authorize(header: basic("user", "pw")))
    #expect(auth.authorize(header: basic("user", "pw")))
    #expect(!auth.authorize(header: basic("user", "pw2")))
    #expect(!auth.authorize(header: basic("other", "pw")))
    #expect(auth.authorize(header: basic("user", "pw")))
}

@Test func cacheIsPerAuthenticatorInstance() throws {
    // A reloaded config with a different hash for the same user must not accept the old password.
    let old = BasicAuthenticator(users: ["user": samplePasswordHash])
    #expect(old.authorize(header: basic("user", "pw")))
    let newHash = try htpasswdHash(user: "user", password: "rotated")
    let new = BasicAuthenticator(users: ["user": newHash])
    #expect(!new.authorize(header: basic("user", "pw")))
    #expect(new.authorize(header: basic("user", "rotated")))
}

@Test(
    arguments: [
        "", "Basic", "Basic ", "Bearer dXNlcjpwdw==", "Basic !!!notbase64", "Basic dXNlcnB3",  // "userpw": no colon
        "Digest username=\"user\"", "dXNlcjpwdw==", "Basic //79",  // invalid UTF-8
    ])
func malformedHeadersAreRejected(header: String) {
    let auth = BasicAuthenticator(users: ["user": samplePasswordHash])
    #expect(!auth.authorize(header: header))
}

@Test func schemeIsCaseInsensitiveAndTokenMayHaveSurroundingSpace() {
    let auth = BasicAuthenticator(users: ["user": samplePasswordHash])
    let token = Data("user:pw".utf8).base64EncodedString()
    #expect(auth.authorize(header: "basic \(token)"))
    #expect(auth.authorize(header: "BASIC \(token)"))
    #expect(auth.authorize(header: "Basic \(token) "))
}

@Test func passwordMayContainColons() throws {
    let hash = try htpasswdHash(user: "u", password: "a:b:c")
    let auth = BasicAuthenticator(users: ["u": hash])
    #expect(auth.authorize(header: basic("u", "a:b:c")))
    #expect(!auth.authorize(header: basic("u", "a")))
    // "u:a:b:c" splits at the first colon: user "u", password "a:b:c" (user names cannot contain ':').
    #expect(auth.authorize(header: basic("u:a", "b:c")))
}

@Test func unicodeCredentials() throws {
    let hash = try htpasswdHash(user: "jürgen", password: "pässwörd✓")
    let auth = BasicAuthenticator(users: ["jürgen": hash])
    #expect(auth.authorize(header: basic("jürgen", "pässwörd✓")))
    #expect(!auth.authorize(header: basic("jurgen", "pässwörd✓")))
}

@Test func parseSplitsAtFirstColon() throws {
    let parsed = try #require(BasicAuthenticator.parse(header: basic("u", "p:q")))
    #expect(parsed.0 == "u")
    #expect(parsed.1 == "p:q")
    let empty = try #require(BasicAuthenticator.parse(header: basic("", "")))
    #expect(empty.0 == "" && empty.1 == "")
    #expect(BasicAuthenticator.parse(header: nil) == nil)
}

@Test func disabledAuthenticatorLetsEverythingThrough() {
    let auth = BasicAuthenticator(users: [:])
    #expect(!auth.isEnabled)
    #expect(auth.authorize(header: nil))
    #expect(auth.authorize(header: "garbage"))
}

@Test func supportedHashShapes() {
    #expect(BasicAuthenticator.isSupportedHash(samplePasswordHash))
    #expect(!BasicAuthenticator.isSupportedHash(String(samplePasswordHash.dropLast())))
    #expect(!BasicAuthenticator.isSupportedHash(samplePasswordHash + "x"))
    #expect(!BasicAuthenticator.isSupportedHash("$2x$" + samplePasswordHash.dropFirst(4)))
    #expect(!BasicAuthenticator.isSupportedHash(""))
}

@Test func verifyRejectsGarbageHashesWithoutCrashing() {
    #expect(!BasicAuthenticator.verify("pw", hash: ""))
    #expect(!BasicAuthenticator.verify("pw", hash: "$2y$"))
    #expect(!BasicAuthenticator.verify("pw", hash: "$2y$99$GkX70iWvsDAg9jMf4kiMgehk2Iwht9IzEUjRYTHQznFBpj4L3e5JK"))
    #expect(BasicAuthenticator.verify("pw", hash: samplePasswordHash))
}

@Test func unknownUserIsRejectedThroughTheDummyHash() {
    // The dummy hash must be a well-formed bcrypt hash, or unknown users would answer faster than known ones.
    let auth = BasicAuthenticator(users: ["user": samplePasswordHash])
    #expect(!auth.authorize(header: basic("nobody", "")))
    #expect(!auth.authorize(header: basic("nobody", "pw")))
}

/// A client repeating a wrong password (a misconfigured scraper, a flood) costs no bcrypt after its first attempt;
/// a new password still does.
@Test func outcomesAreRememberedPerExactCredentials() {
    let auth = BasicAuthenticator(users: ["user": samplePasswordHash])
    func needsBcrypt(_ user: String, _ password: String) -> Bool {
        if case .needsBcrypt = auth.check(header: basic(user, password)) { return true }
        return false
    }
    #expect(needsBcrypt("user", "wrong"))
    #expect(!auth.authorize(header: basic("user", "wrong")))
    guard case .decided(false) = auth.check(header: basic("user", "wrong")) else {
        Issue.record("a repeated wrong password went to bcrypt again")
        return
    }
    #expect(needsBcrypt("user", "wrong2"))
    #expect(needsBcrypt("user", "pw"))
    #expect(auth.authorize(header: basic("user", "pw")))
    guard case .decided(true) = auth.check(header: basic("user", "pw")) else {
        Issue.record("a verified password went to bcrypt again")
        return
    }
    #expect(!auth.authorize(header: basic("nobody", "pw")))
    guard case .decided(false) = auth.check(header: basic("nobody", "pw")) else {
        Issue.record("a repeated unknown user went to bcrypt again")
        return
    }
    if case .needsBcrypt = auth.check(header: nil) { Issue.record("a missing header needs no bcrypt") }
}

@Test func costIsReadFromTheHash() {
    #expect(BasicAuthenticator.cost(of: samplePasswordHash) == 4)
    #expect(BasicAuthenticator.cost(of: "$2y$12$" + String(repeating: "a", count: 53)) == 12)
    #expect(BasicAuthenticator.cost(of: "$2y$ab$" + String(repeating: "a", count: 53)) == nil)
    #expect(BasicAuthenticator.cost(of: "$2y$1") == nil)
}

/// At most `threads + queueLimit` checks are admitted; the rest are refused at once instead of waiting.
@Test func passwordCheckPoolRefusesPastItsBound() async throws {
    let pool = PasswordCheckPool(threads: 1, queueLimit: 1)
    pool.start()
    let gate = Mutex(false)
    let running = Mutex(0)
    let work: @Sendable () -> Bool = {
        running.withLock { $0 += 1 }
        let deadline = ContinuousClock.now + .seconds(5)
        while !gate.withLock({ $0 }) && ContinuousClock.now < deadline { usleep(1000) }
        return true
    }
    let first = Task { await pool.run(work) }
    #expect(await eventually { running.withLock { $0 } == 1 })
    let second = Task { await pool.run(work) }
    // The second waits for the only thread; a third finds the queue full.
    try await Task.sleep(for: .milliseconds(50))
    let clock = ContinuousClock()
    let start = clock.now
    #expect(await pool.run(work) == nil)
    #expect(clock.now - start < .milliseconds(500))
    gate.withLock { $0 = true }
    #expect(await first.value == true)
    #expect(await second.value == true)
    #expect(await pool.run(work) == true)
    await pool.shutdown()
}
