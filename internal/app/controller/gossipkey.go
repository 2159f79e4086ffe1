package controller

import (
	"context"
	"crypto/rand"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// gossipKey creates the Secret whose "key" encrypts the speakers' gossip
// when it does not exist, so that no install ships a fixed key and the
// speakers, which may only read it, find one. An existing Secret (made by
// the operator or by Helm) is never touched.
type gossipKey struct {
	writer    client.Client
	namespace string
	name      string
	retry     time.Duration
	log       logr.Logger
}

func (g *gossipKey) Start(ctx context.Context) error {
	for {
		err := g.create(ctx)
		if err == nil {
			return nil
		}
		g.log.Error(err, "memberlist key", "secret", g.namespace+"/"+g.name)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(g.retry):
		}
	}
}

// NeedLeaderElection is false: the first replica up creates it.
func (g *gossipKey) NeedLeaderElection() bool { return false }

func (g *gossipKey) create(ctx context.Context) error {
	key := make([]byte, 32) // AES-256, the largest memberlist accepts
	if _, err := rand.Read(key); err != nil {
		return err
	}
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: g.namespace, Name: g.name,
			Labels: map[string]string{"app.kubernetes.io/managed-by": "farol-controller"}},
		Data: map[string][]byte{"key": key},
	}
	err := g.writer.Create(ctx, s)
	switch {
	case apierrors.IsAlreadyExists(err):
		return nil
	case err != nil:
		return err
	}
	g.log.Info("memberlist key created", "secret", g.namespace+"/"+g.name)
	return nil
}
