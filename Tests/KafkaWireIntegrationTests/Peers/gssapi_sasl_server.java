// The JDK's SASL/GSSAPI server (com.sun.security.sasl.gsskerb.GssKrb5Server), the very code a
// Kafka broker runs for GSSAPI, driven over stdin/stdout by gssapi_kafka_front.py.
//
// Run: java -Djava.security.krb5.conf=KRB5_CONF gssapi_sasl_server.java SERVICE HOST KEYTAB
// Logs in as SERVICE/HOST from KEYTAB with Krb5LoginModule (as a broker's KafkaServer JAAS
// section does), prints "READY", then serves one request per line:
//   NEW id           -> OK                      (a SaslServer for one connection)
//   STEP id base64   -> OK base64 continue | OK base64 complete PRINCIPAL AUTHZID | ERR message
// ("-" stands for empty bytes). Authorization mirrors Kafka's SaslServerCallbackHandler:
// authorized, with the authenticated principal as the authorized id.
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.security.PrivilegedExceptionAction;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.Configuration;
import javax.security.auth.login.LoginContext;
import javax.security.sasl.AuthorizeCallback;
import javax.security.sasl.Sasl;
import javax.security.sasl.SaslServer;

public class GssapiSaslServer {
    public static void main(String[] args) throws Exception {
        String service = args[0], host = args[1], keytab = args[2];
        String principal = service + "/" + host;
        Configuration jaas = new Configuration() {
            @Override
            public AppConfigurationEntry[] getAppConfigurationEntry(String name) {
                Map<String, String> options = new HashMap<>();
                options.put("useKeyTab", "true");
                options.put("keyTab", keytab);
                options.put("storeKey", "true");
                options.put("doNotPrompt", "true");
                options.put("isInitiator", "false");
                options.put("principal", principal);
                return new AppConfigurationEntry[] {
                    new AppConfigurationEntry("com.sun.security.auth.module.Krb5LoginModule",
                        AppConfigurationEntry.LoginModuleControlFlag.REQUIRED, options)
                };
            }
        };
        LoginContext login = new LoginContext("KafkaServer", null, null, jaas);
        login.login();
        Subject subject = login.getSubject();
        Map<String, SaslServer> servers = new HashMap<>();
        Map<String, String[]> identities = new HashMap<>();
        Map<String, Object> props = new HashMap<>();
        props.put(Sasl.QOP, "auth");
        System.out.println("READY");
        System.out.flush();

        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        String line;
        while ((line = in.readLine()) != null) {
            String[] parts = line.split(" ");
            try {
                if (parts[0].equals("NEW")) {
                    String[] ids = {"-", "-"};
                    SaslServer server = Subject.doAs(subject, (PrivilegedExceptionAction<SaslServer>) () ->
                        Sasl.createSaslServer("GSSAPI", service, host, props, callbacks -> {
                            for (Callback c : callbacks) {
                                if (c instanceof AuthorizeCallback) {
                                    AuthorizeCallback ac = (AuthorizeCallback) c;
                                    ids[0] = ac.getAuthenticationID();
                                    ids[1] = ac.getAuthorizationID();
                                    ac.setAuthorized(true);
                                    ac.setAuthorizedID(ac.getAuthenticationID());
                                }
                            }
                        }));
                    servers.put(parts[1], server);
                    identities.put(parts[1], ids);
                    System.out.println("OK");
                } else if (parts[0].equals("STEP")) {
                    SaslServer server = servers.get(parts[1]);
                    byte[] token = parts[2].equals("-") ? new byte[0] : Base64.getDecoder().decode(parts[2]);
                    byte[] out = Subject.doAs(subject,
                        (PrivilegedExceptionAction<byte[]>) () -> server.evaluateResponse(token));
                    String encoded = out == null || out.length == 0 ? "-" : Base64.getEncoder().encodeToString(out);
                    if (server.isComplete()) {
                        String[] ids = identities.remove(parts[1]);
                        System.out.println("OK " + encoded + " complete " + ids[0] + " " + ids[1]);
                        servers.remove(parts[1]).dispose();
                    } else {
                        System.out.println("OK " + encoded + " continue");
                    }
                } else {
                    System.out.println("ERR unknown command " + parts[0]);
                }
            } catch (Exception e) {
                Throwable cause = e.getCause() != null ? e.getCause() : e;
                String text = cause.toString();
                if (cause.getCause() != null) {
                    text += " caused by " + cause.getCause();
                }
                System.out.println("ERR " + text.replace('\n', ' '));
                if (parts.length > 1) {
                    servers.remove(parts[1]);
                    identities.remove(parts[1]);
                }
            }
            System.out.flush();
        }
    }
}
