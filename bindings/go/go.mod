module github.com/authing-mfa/authing-mfa/bindings/go

go 1.24.0
