// Cyrus SASL (the client API and its GSSAPI plugin) and the MIT GSS-API extensions used to
// acquire keytab credentials per connection (gss_acquire_cred_from with a cred store).
#include <sasl/sasl.h>
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
