// Starts `lambdalint server` for Python files; everything else is the server's.
const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration("lambdalint").get("path", "lambdalint");
  client = new LanguageClient(
    "lambdalint",
    "lambdalint",
    { command, args: ["server"] },
    {
      documentSelector: [{ scheme: "file", language: "python" }],
      // configuration and deployment files: the server reloads when they change
      synchronize: {
        fileEvents: vscode.workspace.createFileSystemWatcher(
          "**/{*.py,pyproject.toml,lambdalint.toml,.lambdalint.toml,*.yaml,*.yml,*.json,*.tf}"
        ),
      },
    }
  );
  context.subscriptions.push(client);
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
