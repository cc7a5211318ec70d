import ArgumentParser
import KleinClient
import KleinOCI

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in to a registry and store the credentials as docker does.",
        discussion: """
        The credentials are checked against the registry first. They are stored with the credential \
        helper configured for the registry (credHelpers / credsStore in the docker config), else in \
        $REGISTRY_AUTH_FILE when set, else in $DOCKER_CONFIG/config.json or ~/.docker/config.json.
        Example:
          echo "$TOKEN" | klein login registry.example.com -u ci --password-stdin
        """
    )
    @Argument(help: "Registry host[:port].") var host: String
    @OptionGroup var client: ClientFlags

    func validate() throws {
        if client.username == nil { throw ValidationError("login needs --username and --password-stdin (or --password)") }
        if client.password == nil && !client.passwordStdin { throw ValidationError("login needs --password-stdin or --password") }
    }

    func run() async throws {
        let registry = try registryHost(host)
        let found = try await withSession(client, registries: [registry]) { session in
            try await session.client(for: registry).verifyLogin()
            return session.options.credentials[registry]
        }
        guard let credential = found else { return }
        let location = try CredentialStore().store(credential, for: registry)
        print("Login succeeded; credentials for \(registry) stored in \(location)")
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove a registry's stored credentials.",
        discussion: "Example:\n  klein logout registry.example.com"
    )
    @Argument(help: "Registry host[:port].") var host: String

    func run() async throws {
        let registry = try registryHost(host)
        guard try CredentialStore().erase(for: registry) else { throw CLIError("not logged in to \(registry)") }
        print("Removed credentials for \(registry)")
    }
}
