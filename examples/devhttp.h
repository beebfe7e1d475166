/*
 * devhttp.h: DEV-SERVER CONTROL ONLY, NOT PART OF THE LIBRARY.
 *
 * The dev server (authing-mfa-devserver) has test-only endpoints under
 * /__dev/ (create a user, password login, shift the clock, read the outbox)
 * that Authing itself does not have, so libauthing_mfa has no calls for them.
 * The examples and C tests reach them with this minimal blocking HTTP/1.1
 * client: one request per connection ("Connection: close"), 127.0.0.1 only,
 * no TLS, no chunked bodies (the dev server sends Content-Length). Never use
 * it for anything else; real programs talk to Authing through the library.
 *
 * Needs POSIX: define _POSIX_C_SOURCE 200809L before including any header.
 */
#ifndef AUTHING_MFA_DEVHTTP_H
#define AUTHING_MFA_DEVHTTP_H

#if !defined(_POSIX_C_SOURCE) || _POSIX_C_SOURCE < 200809L
#error "devhttp.h: #define _POSIX_C_SOURCE 200809L before including any header"
#endif

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int devhttp_send_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL); /* no SIGPIPE if the server went away */
        if (w <= 0) return 0;
        p += w;
        n -= (size_t)w;
    }
    return 1;
}

/*
 * Sends `method path` with the JSON `body` (NULL: none) to `base_url`, which
 * must be "http://127.0.0.1:PORT". Returns the HTTP status and copies the
 * response body, NUL-terminated, into `out`; returns -1 on any failure
 * (other host, connect refused, 10 s without an answer, an answer that does
 * not fit in `out`, which is an error rather than a silent truncation).
 */
static int devhttp_request(const char *base_url, const char *method, const char *path,
                           const char *body, char *out, size_t out_size)
{
    static const char prefix[] = "http://127.0.0.1:";
    size_t body_len = body ? strlen(body) : 0, got = 0;
    struct timeval tv = {10, 0};
    struct sockaddr_in addr;
    char head[512], *end, *split;
    int fd, n, status = -1;
    long port;

    if (out_size < 2 || strncmp(base_url, prefix, sizeof prefix - 1) != 0) return -1;
    port = strtol(base_url + sizeof prefix - 1, &end, 10);
    if (port <= 0 || port > 65535 || (*end != '\0' && strcmp(end, "/") != 0)) return -1;
    memset(&addr, 0, sizeof addr);
    addr.sin_family = AF_INET;
    addr.sin_port = htons((unsigned short)port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);

    if ((fd = socket(AF_INET, SOCK_STREAM, 0)) < 0) return -1;
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    n = snprintf(head, sizeof head,
                 "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%ld\r\nConnection: close\r\n"
                 "Content-Type: application/json\r\nContent-Length: %lu\r\n\r\n",
                 method, path, port, (unsigned long)body_len);
    if (n < 0 || (size_t)n >= sizeof head
        || connect(fd, (const struct sockaddr *)&addr, sizeof addr) != 0
        || !devhttp_send_all(fd, head, (size_t)n) || !devhttp_send_all(fd, body ? body : "", body_len)) {
        close(fd);
        return -1;
    }
    for (;;) { /* read until the server closes the connection */
        ssize_t r = recv(fd, out + got, out_size - 1 - got, 0);
        if (r < 0 || (r > 0 && got + (size_t)r >= out_size - 1)) { got = 0; break; } /* error or full */
        if (r == 0) break;
        got += (size_t)r;
    }
    close(fd);
    out[got] = '\0';
    split = strstr(out, "\r\n\r\n");
    if (got == 0 || split == NULL || sscanf(out, "HTTP/1.%*d %d", &status) != 1) {
        out[0] = '\0';
        return -1;
    }
    memmove(out, split + 4, strlen(split + 4) + 1);
    return status;
}

#endif /* AUTHING_MFA_DEVHTTP_H */
