/// A module's error type that can stand for any lower module's failure, naming what was being done.
/// `wrap` runs work that throws other errors and rethrows them as `failed(what:reason:)`, leaving the
/// module's own errors as they are.
public protocol WrappingError: Error {
    static func failed(what: String, reason: String) -> Self
}

extension WrappingError {
    public static func wrap<T>(_ what: String, _ body: () throws -> T) throws(Self) -> T {
        do { return try body() } catch let error as Self { throw error } catch { throw .failed(what: what, reason: "\(error)") }
    }

    public static func wrap<T>(_ what: String, _ body: () async throws -> T) async throws(Self) -> T {
        do { return try await body() } catch let error as Self { throw error } catch { throw .failed(what: what, reason: "\(error)") }
    }
}
