"""PPO on CartPole: an actor-critic MLP learns to balance the pole (gymnasium's CartPole-v1).

8 copies of CartPole-v1 run side by side; every episode starts from env.reset with a seed of its
own (from --seed and the episode's number), so a run is reproducible. Each PPO iteration
collects 128 steps from every copy with the current policy (actions drawn from its softmax,
seeded per iteration), computes advantages by GAE (gamma 0.99, lambda 0.95; an episode cut at
CartPole-v1's 500-step limit bootstraps from the critic) and normalises them, then makes 10
passes of shuffled minibatches of 256 (--batch) through the clipped surrogate loss (clip 0.2)
+ 0.5 value MSE - 0.01 entropy, with Adam lr 0.002 and the actor's and the critic's gradients
each clipped at norm 0.5. The model is two MLPs with tanh, 4-64-64-2 (action logits) and
4-64-64-1 (value). --steps counts PPO iterations. At the end, 10 new episodes with the greedy
policy give the mean episode return (500 is the most CartPole-v1 allows). Needs gymnasium
(pip install "torchlean[examples]"); without it the example says so in one line and exits 1.
"""

from __future__ import annotations

import numpy as np

import torchlean as tl
import torchlean.nn as nn
import torchlean.nn.functional as F
from torchlean.data import DataLoader, TensorDataset

SUMMARY = "PPO actor-critic on gymnasium's CartPole-v1, mean episode return of the greedy policy"
GROUP = "rl"
ORDER = 1
UNIT = "steps"
DEFAULTS = {"steps": 40, "lr": 2e-3, "batch": 256, "envs": 8, "horizon": 128, "ppo_epochs": 10}
SMOKE = {"steps": 4, "horizon": 64}
RESULT = "greedy mean episode return 500 (the maximum) after 40 iterations (seed 0, float32; eager and compiled alike)"
CHECKS = [("eval_return", ">=", 450.0)]
SMOKE_CHECKS = [("eval_return", ">=", 60.0), ("train_return", ">", 30.0)]  # a random policy: about 20
MAX_STEPS = 500  # CartPole-v1's episode limit
GAMMA, LAMBDA, CLIP = 0.99, 0.95, 0.2


def gymnasium():
    try:
        import gymnasium
    except ImportError:
        raise tl.TorchLeanError("ppo_cartpole needs gymnasium, which is not installed: pip install gymnasium "
                                "(or pip install 'torchlean[examples]')") from None
    return gymnasium


class ActorCritic(nn.Module):
    def __init__(self, hidden: int = 64):
        super().__init__()
        self.actor = nn.Sequential(nn.Linear(4, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                   nn.Linear(hidden, 2))
        self.critic = nn.Sequential(nn.Linear(4, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                    nn.Linear(hidden, 1))

    def forward(self, obs):
        return self.actor(obs), self.critic(obs).squeeze(-1)  # action logits (B, 2), values (B,)


class CartPoles:
    """`n` CartPole-v1 environments stepped together, with what a checkpoint needs to continue
    them exactly (the pole states, step counts, episode numbers and returns)."""

    def __init__(self, n: int, seed: int):
        gym = gymnasium()
        self.envs = [gym.make("CartPole-v1") for _ in range(n)]
        self.seed, self.episodes = seed, 0
        self.obs = np.zeros((n, 4), np.float32)
        self.length, self.ret = [0] * n, [0.0] * n
        self.returns: list[float] = []  # every finished episode's return
        for i in range(n):
            self._reset(i)

    def _reset(self, i: int) -> None:
        self.obs[i], _ = self.envs[i].reset(seed=self.seed * 1_000_003 + self.episodes)
        self.episodes += 1
        self.length[i], self.ret[i] = 0, 0.0

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Step every copy; finished episodes restart. Returns the rewards, whether each episode
        ended by falling (terminated), by the time limit (truncated), and the observation
        reached before any restart (for bootstrapping truncated episodes)."""
        n = len(self.envs)
        rewards, terminated, truncated = np.zeros(n, np.float32), np.zeros(n, bool), np.zeros(n, bool)
        reached = np.zeros((n, 4), np.float32)
        for i, env in enumerate(self.envs):
            obs, r, term, trunc, _ = env.step(int(actions[i]))
            self.length[i] += 1
            self.ret[i] += float(r)
            rewards[i], terminated[i], truncated[i], reached[i] = r, term, trunc and not term, obs
            self.obs[i] = obs
            if term or trunc:
                self.returns.append(self.ret[i])
                self._reset(i)
        return rewards, terminated, truncated, reached

    def state_dict(self) -> dict:
        return {"state": np.array([e.unwrapped.state for e in self.envs], np.float64), "obs": self.obs.copy(),
                "length": list(self.length), "ret": list(self.ret), "episodes": self.episodes,
                "returns": list(self.returns)}

    def load_state_dict(self, sd: dict) -> None:
        for env, state, length in zip(self.envs, np.asarray(sd["state"]), sd["length"]):
            env.unwrapped.state = np.array(state, np.float64)
            env.unwrapped.steps_beyond_terminated = None
            env._elapsed_steps = int(length)  # gymnasium's TimeLimit wrapper counts the episode's steps
        self.obs = np.array(sd["obs"], np.float32)
        self.length, self.ret = [int(v) for v in sd["length"]], [float(v) for v in sd["ret"]]
        self.episodes, self.returns = int(sd["episodes"]), [float(v) for v in sd["returns"]]


def gae(rewards, values, next_values, terminated, ended):
    """Generalised advantage estimates over a (T, n) rollout: `next_values` are the critic's
    values of the state after each step (0 where the pole fell), `ended` marks episode ends."""
    adv = np.zeros_like(rewards)
    last = np.zeros(rewards.shape[1], np.float32)
    for t in reversed(range(len(rewards))):
        delta = rewards[t] + GAMMA * next_values[t] * (1.0 - terminated[t]) - values[t]
        last = delta + GAMMA * LAMBDA * (1.0 - ended[t]) * last
        adv[t] = last
    return adv


def run(cfg):
    tl.manual_seed(cfg.seed)
    s = cfg.session()
    envs = CartPoles(cfg.envs, cfg.seed)
    model = ActorCritic().to(cfg.dtype)
    net = cfg.compile(model)
    opt = tl.optim.Adam(model.parameters(), lr=cfg.lr, eps=1e-5)
    track = cfg.track(session=s, model=model, optimizer=opt, envs=envs)

    def act(obs):
        with tl.no_grad():
            logits, value = net(s.input(obs))
            return logits.softmax(dim=1).numpy().astype(np.float64), value.numpy()

    print(f"torchlean ppo_cartpole: {cfg.envs} CartPole-v1 copies x {cfg.horizon} steps per iteration, "
          f"actor-critic MLP 4-64-64, Adam lr={cfg.lr}, minibatch {cfg.batch} (device={cfg.device})")
    T, n = cfg.horizon, cfg.envs
    for it in track.iterations(save_every=5):
        rng = np.random.default_rng([cfg.seed, it])  # the iteration's action draws
        obs, actions = np.zeros((T, n, 4), np.float32), np.zeros((T, n), np.int64)
        logp, values, next_values = (np.zeros((T, n), np.float32) for _ in range(3))
        rewards, terminated, ended = (np.zeros((T, n), np.float32) for _ in range(3))
        for t in range(T):
            probs, value = act(envs.obs)
            a = (rng.random(n) > probs[:, 0]).astype(np.int64)  # action 1 with probability probs[:, 1]
            obs[t], actions[t], values[t] = envs.obs, a, value
            logp[t] = np.log(probs[np.arange(n), a])
            rewards[t], term, trunc, reached = envs.step(a)
            terminated[t], ended[t] = term, term | trunc
            next_values[t] = np.where(trunc, act(reached)[1], 0.0)  # bootstrap only at the time limit
        _, last_value = act(envs.obs)  # the rollout's last states continue: bootstrap from them
        next_values[:-1] = np.where(ended[:-1] > 0, next_values[:-1], values[1:])
        next_values[-1] = np.where(ended[-1] > 0, next_values[-1], last_value)
        adv = gae(rewards, values, next_values, terminated, ended)
        returns = adv + values
        adv = (adv - adv.mean()) / (adv.std() + 1e-8)
        data = TensorDataset(obs.reshape(-1, 4), actions.reshape(-1), logp.reshape(-1), adv.reshape(-1),
                             returns.reshape(-1))
        loader = cfg.dist.loader(DataLoader(data, batch_size=cfg.batch, shuffle=True, drop_last=True,
                                            seed=cfg.seed * 100_003 + it))
        total, count = 0.0, 0
        for _ in range(cfg.ppo_epochs):
            for ob, ac, old_logp, ad, ret in loader:
                logits, value = net(s.input(ob))
                log_probs = F.log_softmax(logits, dim=1)
                new_logp = log_probs.gather(1, s.input(ac).unsqueeze(1)).squeeze(1)
                ratio = (new_logp - s.input(old_logp)).exp()
                ad = s.input(ad)
                policy_loss = -tl.minimum(ratio * ad, ratio.clamp(1 - CLIP, 1 + CLIP) * ad).mean()
                value_loss = F.mse_loss(value, s.input(ret))
                entropy = -(log_probs.exp() * log_probs).sum(dim=1).mean()
                loss = policy_loss + 0.5 * value_loss - 0.01 * entropy
                opt.zero_grad()
                loss.backward()
                cfg.dist.average_gradients(model)
                nn.utils.clip_grad_norm_(model.actor.parameters(), 0.5)
                nn.utils.clip_grad_norm_(model.critic.parameters(), 0.5)
                opt.step()
                total, count = total + loss.item(), count + 1
        track.record(total / count)
        recent = envs.returns[-20:]
        if it % 5 == 4 or it + 1 == cfg.steps:
            print(f"iteration {it + 1:3d}  loss {total / count:.4f}  episodes {len(envs.returns)}  "
                  f"mean return (last {len(recent)}) {np.mean(recent) if recent else float('nan'):.1f}")
    train_return = float(np.mean(envs.returns[-20:])) if envs.returns else 0.0
    eval_return = evaluate(act, cfg.seed)
    print(f"greedy policy: mean episode return {eval_return:.1f} over 10 episodes (training: last 20 episodes "
          f"{train_return:.1f})")
    return track.finish(eval_return=eval_return, train_return=train_return)


def evaluate(act, seed: int, episodes: int = 10) -> float:
    """The greedy policy's mean return over `episodes` fresh episodes (stepped together)."""
    gym = gymnasium()
    envs = [gym.make("CartPole-v1") for _ in range(episodes)]
    obs = np.stack([e.reset(seed=10 ** 9 + seed * 1000 + i)[0] for i, e in enumerate(envs)])
    done, total = np.zeros(episodes, bool), np.zeros(episodes)
    while not done.all():
        probs, _ = act(obs)  # every copy's state each time (one input shape); finished ones are ignored
        for i, env in enumerate(envs):
            if not done[i]:
                obs[i], r, term, trunc, _ = env.step(int(probs[i].argmax()))
                total[i] += r
                done[i] = term or trunc
    return float(total.mean())
