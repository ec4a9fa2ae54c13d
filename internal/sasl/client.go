package sasl

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/xdg-go/scram"

	"github.com/virtwire/virtwire/internal/saslhook"
	"github.com/virtwire/virtwire/transport"
)

// Config is what a Client needs to authenticate.
type Config = saslhook.Config

func init() {
	saslhook.NewClient = func(cfg saslhook.Config) saslhook.Client { return NewClient(cfg) }
}

type state int

const (
	stateNew state = iota
	stateSentFirst
	stateSentFinal
	stateVerified
	stateDone
	stateFailed
)

// Client runs one SASL exchange. It is not safe for concurrent use.
type Client struct {
	cfg   Config
	mech  string
	state state
	conv  *scram.ClientConversation
}

// NewClient returns a client for one authentication.
func NewClient(cfg Config) *Client { return &Client{cfg: cfg} }

// Mechanism is the chosen mechanism, "" before Start.
func (c *Client) Mechanism() string { return c.mech }

// String describes the client without credentials.
func (c *Client) String() string {
	return fmt.Sprintf("sasl.Client{mech: %q, user: %q}", c.mech, c.cfg.Username)
}

// Start chooses a mechanism from the server's list (the AUTH_SASL_INIT
// reply), gathers credentials, and returns the mechanism and the initial
// data for AUTH_SASL_START.
func (c *Client) Start(ctx context.Context, serverMechList string) (mech string, data []byte, err error) {
	if c.state != stateNew {
		return "", nil, errors.New("sasl: Start called twice")
	}
	c.state = stateFailed
	mech, err = Choose(serverMechList, c.cfg)
	if err != nil {
		return "", nil, err
	}
	user, pass, err := c.credentials(ctx)
	if err != nil {
		return "", nil, err
	}
	c.mech = mech
	if mech == Plain {
		c.state = stateSentFinal
		return mech, []byte("\x00" + user + "\x00" + pass), nil
	}
	hash := map[string]scram.HashGeneratorFcn{SCRAMSHA512: scram.SHA512, SCRAMSHA256: scram.SHA256, SCRAMSHA1: scram.SHA1}[mech]
	client, err := hash.NewClient(user, pass, "")
	if err != nil {
		return "", nil, fmt.Errorf("sasl %s: %v", mech, err)
	}
	c.conv = client.NewConversation()
	first, err := c.conv.Step("")
	if err != nil {
		return "", nil, fmt.Errorf("sasl %s: %v", mech, err)
	}
	c.state = stateSentFirst
	return mech, []byte(first), nil
}

// credentials returns the authentication name and password: from the
// config, else from the callback, asked for both at once as libvirt does.
func (c *Client) credentials(ctx context.Context) (string, string, error) {
	host := c.cfg.Host
	if host == "" {
		host = "localhost"
	}
	user, pass := c.cfg.Username, c.cfg.Password
	var creds []*transport.Credential
	var userCred, passCred *transport.Credential
	if user == "" {
		userCred = &transport.Credential{Type: transport.CredAuthname, Prompt: "Please enter your authentication name", Challenge: host, Service: "libvirt", Host: host}
		creds = append(creds, userCred)
	}
	if pass == "" {
		passCred = &transport.Credential{Type: transport.CredPassphrase, Prompt: "Please enter your password", Challenge: host, Service: "libvirt", Host: host}
		creds = append(creds, passCred)
	}
	if len(creds) > 0 {
		if c.cfg.Credentials == nil {
			return "", "", fmt.Errorf("sasl: %w to ask for the SASL authentication name and password", transport.ErrNoCredentials)
		}
		if err := c.cfg.Credentials(ctx, creds); err != nil {
			return "", "", fmt.Errorf("sasl: collecting credentials: %w", err)
		}
		if userCred != nil {
			user = userCred.Result
		}
		if passCred != nil {
			pass = passCred.Result
		}
	}
	if strings.TrimSpace(user) == "" {
		return "", "", errors.New("sasl: no authentication name given")
	}
	return user, pass, nil
}

// Step takes the server's reply to AUTH_SASL_START or AUTH_SASL_STEP:
// whether it said the exchange is complete, and its data. It returns done
// when both sides are finished (the server's signature checked), else the
// data for the next AUTH_SASL_STEP. An error ends the exchange.
func (c *Client) Step(ctx context.Context, serverData []byte, serverComplete bool) (data []byte, done bool, err error) {
	defer func() {
		if err != nil {
			c.state = stateFailed
		}
	}()
	switch c.state {
	case stateSentFirst:
		if serverComplete {
			return nil, false, fmt.Errorf("sasl %s: %w: the server claimed success before the exchange finished", c.mech, ErrServerSignature)
		}
		final, err := c.conv.Step(string(serverData))
		if err != nil {
			return nil, false, c.scramError(string(serverData), err)
		}
		c.state = stateSentFinal
		return []byte(final), false, nil
	case stateSentFinal:
		if c.mech == Plain {
			if !serverComplete {
				return nil, false, fmt.Errorf("sasl PLAIN: the server asked for more after the credentials")
			}
			c.state = stateDone
			return nil, true, nil
		}
		if _, err := c.conv.Step(string(serverData)); err != nil || !c.conv.Valid() {
			return nil, false, c.scramError(string(serverData), err)
		}
		c.state = stateVerified
		if !serverComplete {
			// Some servers want an empty step after their final message.
			return []byte{}, false, nil
		}
		c.state = stateDone
		return nil, true, nil
	case stateVerified:
		if !serverComplete || len(serverData) != 0 {
			return nil, false, fmt.Errorf("sasl %s: unexpected data from the server after the exchange", c.mech)
		}
		c.state = stateDone
		return nil, true, nil
	case stateDone:
		return nil, true, nil
	}
	return nil, false, errors.New("sasl: Step without a successful Start")
}

// scramError classifies a failed SCRAM step: the server's own error
// ("e=..."), or a signature or protocol problem.
func (c *Client) scramError(serverMsg string, err error) error {
	if e, ok := strings.CutPrefix(serverMsg, "e="); ok {
		return fmt.Errorf("sasl %s: %w: server says %q", c.mech, ErrAuthFailed, e)
	}
	if err == nil {
		err = errors.New("server signature does not match")
	}
	return fmt.Errorf("sasl %s: %w: %v", c.mech, ErrServerSignature, err)
}
