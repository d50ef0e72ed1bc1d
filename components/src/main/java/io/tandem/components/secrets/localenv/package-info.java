/** {@code secretstores.local.env}: secrets from the process's environment variables. */
package io.tandem.components.secrets.localenv;
