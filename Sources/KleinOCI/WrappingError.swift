/// A module's error type that can stand for a lower module's failure, naming what was being done.
/// `wrap` runs work that throws other modules' errors and rethrows each as the case of this type that
/// carries it (`.store(what:, StoreError)`, …), leaving the module's own errors as they are.
package protocol WrappingError: Error {
    /// This module's error for `error`, raised while doing `what`.
    static func wrapping(_ error: any Error, what: String) -> Self
}

extension WrappingError {
    /// Runs `body`, rethrowing its failure as this module's error.
    package static func wrap<T>(_ what: String, _ body: () throws -> T) throws(Self) -> T {
        do { return try body() } catch let error as Self { throw error } catch { throw wrapping(error, what: what) }
    }

    /// Runs `body`, rethrowing its failure as this module's error.
    package static func wrap<T>(_ what: String, _ body: () async throws -> T) async throws(Self) -> T {
        do { return try await body() } catch let error as Self { throw error } catch { throw wrapping(error, what: what) }
    }
}
