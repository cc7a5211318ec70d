import NIOSSL

/// A server certificate chain and its private key, both PEM files.
package struct TLSFiles: Sendable {
    /// The certificate chain, leaf first.
    package var certificateChain: String
    /// The private key of the leaf certificate.
    package var privateKey: String

    /// Names the two files.
    package init(certificateChain: String, privateKey: String) {
        self.certificateChain = certificateChain
        self.privateKey = privateKey
    }

    /// Reads both files into a server TLS configuration.
    package func configuration() throws -> TLSConfiguration {
        let chain = try NIOSSLCertificate.fromPEMFile(certificateChain).map { NIOSSLCertificateSource.certificate($0) }
        return TLSConfiguration.makeServerConfiguration(
            certificateChain: chain, privateKey: .privateKey(try NIOSSLPrivateKey(file: privateKey, format: .pem)))
    }
}
