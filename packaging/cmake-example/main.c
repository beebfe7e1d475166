/* Prints the library version, checks it against the header's, and creates
 * and frees a client: enough to prove the headers, the library and the
 * loader agree. */
#include <authing_mfa.h>

#include <stdio.h>
#include <string.h>

int main(void) {
    const char *version = authing_mfa_version();
    authing_mfa_client *client = NULL;
    char *error_json = NULL;
    authing_mfa_status status;

    printf("authing_mfa %s\n", version);
    if (strcmp(version, AUTHING_MFA_VERSION_STRING) != 0) {
        fprintf(stderr, "version mismatch: library %s, header %s\n", version, AUTHING_MFA_VERSION_STRING);
        return 1;
    }
    status = authing_mfa_client_new("{\"appHost\":\"http://127.0.0.1:9\"}", &client, &error_json);
    if (status != AUTHING_MFA_OK) {
        fprintf(stderr, "client_new: %s %s\n", authing_mfa_status_name(status), error_json ? error_json : "");
        authing_mfa_string_free(error_json);
        return 1;
    }
    authing_mfa_client_free(client);
    return 0;
}
