/** {@code secretstores.local.file}: secrets from a JSON file, for local development. */
package io.tandem.components.secrets.localfile;
