"""The sandbox: a local console community that implements the same ChatGateway as the platforms."""
