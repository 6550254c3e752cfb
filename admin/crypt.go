package admin

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"

	"github.com/noctuary/noctuary"
)

// MasterKeySize is the size of NOCTUARY_MASTER_KEY (AES-256).
const MasterKeySize = 32

// sealVersion prefixes each ciphertext, so that the format can change.
const sealVersion = 1

// seal encrypts plaintext with AES-256-GCM under key, bound to the
// integration by the additional data: a ciphertext moved to another
// integration's record does not decrypt.
func seal(key []byte, integrationID string, plaintext noctuary.Secret) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails
	out := append([]byte{sealVersion}, nonce...)
	return gcm.Seal(out, nonce, []byte(plaintext.Reveal()), aad(integrationID)), nil
}

// open decrypts what seal returned.
func open(key []byte, integrationID string, sealed []byte) (noctuary.Secret, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return "", err
	}
	if len(sealed) < 1+gcm.NonceSize() || sealed[0] != sealVersion {
		return "", errors.New("the stored key has an unknown format")
	}
	nonce, ct := sealed[1:1+gcm.NonceSize()], sealed[1+gcm.NonceSize():]
	pt, err := gcm.Open(nil, nonce, ct, aad(integrationID))
	if err != nil {
		return "", err
	}
	return noctuary.Secret(pt), nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	if len(key) != MasterKeySize {
		return nil, errors.New("the master key is not 32 bytes long")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func aad(integrationID string) []byte { return []byte("noctuary:v1:apikey:" + integrationID) }
